//! Reading, hashing and writing blob files: chunked so memory stays bounded, with the kernel's
//! writeback started early so the fsync that follows has little left to wait for.

use super::hash::{check, hex_of, HashHex};
use crate::core::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

/// Buffer size of the streaming operations (`write_file`, `read_to_file`, verifying an existing
/// blob): memory stays bounded by this whatever the file size.
pub const STREAM_CHUNK: usize = 1 << 20;

/// How much of a blob `read` reads before hashing it: small enough to stay in the CPU cache.
const READ_CHUNK: usize = 256 << 10;

/// From this size on, a read copies and hashes on two threads (see `fill_hashing`); below it a
/// thread costs more than it saves.
const PIPELINE_MIN: usize = 4 << 20;

/// What the reading thread hands over to the hashing one at a time.
const PIPELINE_CHUNK: usize = 1 << 20;

/// Streams `input` into `out` through one fixed buffer, hashing the bytes and starting the writeback
/// of each chunk as soon as it is written; returns the content's hash. Write errors name `out_name`.
pub(super) fn copy_hashing(input: &mut File, out: &mut File, out_name: &Path) -> Result<HashHex> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; STREAM_CHUNK];
    let mut offset = 0;
    loop {
        let n = read_some(input, &mut buf).map_err(|e| Error::io_fd(e, "read"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| Error::io(e, "write", out_name))?;
        start_writeback(out, offset, n);
        offset += n;
    }
    Ok(hex_of(&hasher.finalize()))
}

/// Reads `file` into `buf` (until it is full or the file ends) and hashes it. Returns how much was
/// read. A large blob is read by a second thread while this one hashes what has arrived: sha256 is
/// most of the cost of a read and cannot be split, but the copy out of the page cache can run beside
/// it (16 MiB: about 15% less time on an idle machine).
pub(super) fn fill_hashing(file: &mut File, buf: &mut [u8], hasher: &mut Sha256) -> io::Result<usize> {
    if buf.len() < PIPELINE_MIN {
        return fill_hashing_inline(file, buf, hasher);
    }
    std::thread::scope(|scope| {
        let (filled_tx, filled_rx) = std::sync::mpsc::channel::<&[u8]>();
        let reader = scope.spawn(move || -> io::Result<usize> {
            let mut total = 0;
            for chunk in buf.chunks_mut(PIPELINE_CHUNK) {
                let n = fill(file, chunk)?;
                total += n;
                let full = n == chunk.len();
                // The hasher only gets chunks the reader is done with; a closed receiver means the
                // hasher is gone, and the join below reports why.
                if filled_tx.send(&chunk[..n]).is_err() || !full {
                    break;
                }
            }
            Ok(total)
        });
        for chunk in filled_rx {
            hasher.update(chunk);
        }
        reader.join().unwrap_or_else(|_| Err(io::Error::other("the blob reader thread panicked")))
    })
}

/// Reads into `buf` until it is full or the file ends; returns how much was read.
fn fill(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = read_some(file, &mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// [`fill_hashing`] on this thread alone: each chunk is hashed right after it is read, while it is
/// still in the cache.
fn fill_hashing_inline(file: &mut File, buf: &mut [u8], hasher: &mut Sha256) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let end = buf.len().min(filled + READ_CHUNK);
        let n = read_some(file, &mut buf[filled..end])?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[filled..filled + n]);
        filled += n;
    }
    Ok(filled)
}

/// Writes `bytes` to `file` in chunks, starting each chunk's writeback to disk as soon as it is
/// written, so the fsync that follows has little left to wait for. (Not after the last chunk: the
/// fsync comes right after it.)
pub(super) fn write_with_writeback(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    let mut offset = 0;
    for chunk in bytes.chunks(STREAM_CHUNK) {
        file.write_all(chunk)?;
        offset += chunk.len();
        if offset < bytes.len() {
            start_writeback(file, offset - chunk.len(), chunk.len());
        }
    }
    Ok(())
}

/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`: asks the kernel to start writing these pages out, and
/// returns at once. Only a hint; durability still comes from the fsync.
fn start_writeback(file: &File, offset: usize, len: usize) {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain syscall on an open descriptor; failures are ignored (the fsync reports them).
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset as i64, len as i64, libc::SYNC_FILE_RANGE_WRITE);
    }
}

/// The size of a regular file; `None` for anything else, whose size says nothing of its content.
pub(super) fn regular_file_size(file: &File) -> Result<Option<usize>> {
    let meta = file.metadata().map_err(|e| Error::io_fd(e, "fstat"))?;
    Ok(meta.is_file().then(|| usize::try_from(meta.len()).unwrap_or(usize::MAX)))
}

/// One `read`, retried on EINTR.
fn read_some(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Hashes the file at `path`, streaming, and checks it is `expected`.
pub(super) fn verify_file(path: &Path, expected: &HashHex) -> Result<()> {
    // Open and read apart, as readFileSync reports them: a directory in the blob's place opens
    // fine and fails at the read, which node:fs words without a path.
    let mut file = File::open(path).map_err(|e| Error::io(e, "open", path))?;
    let size = regular_file_size(&file)?.unwrap_or(0);
    let mut hasher = Sha256::new();
    let mut small = [0u8; 16 << 10];
    let mut large = Vec::new();
    let buf: &mut [u8] = if size <= small.len() {
        &mut small
    } else {
        large.resize(size.min(STREAM_CHUNK), 0);
        &mut large
    };
    loop {
        let n = read_some(&mut file, buf).map_err(|e| Error::io_fd(e, "read"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    check(path, expected, &hex_of(&hasher.finalize()))
}

/// A zero-filled buffer of `len` bytes, or ENOMEM instead of aborting when there is no memory.
pub(super) fn zeroed_vec(len: usize) -> Result<Vec<u8>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let enomem = || Error::io_fd(io::Error::from_raw_os_error(libc::ENOMEM), "read");
    let layout = std::alloc::Layout::array::<u8>(len).map_err(|_| enomem())?;
    // SAFETY: `layout` has a non-zero size; a non-null result is `len` initialized (zero) bytes
    // that the Vec then owns with the same layout.
    unsafe {
        let p = std::alloc::alloc_zeroed(layout);
        if p.is_null() {
            return Err(enomem());
        }
        Ok(Vec::from_raw_parts(p, len, len))
    }
}
