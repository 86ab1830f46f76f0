//! Content-addressed blobs: `<root>/<2 hex>/<62 hex>`, named by the sha256 of their bytes.
//!
//! Writes go through a temporary file that is fsynced, renamed into place and made durable with a
//! directory fsync; the writeback of each chunk is started as soon as it is written, so that fsync
//! has little left to wait for. Temporary files start with `.tmp.`, which no 62-hex name does, so a
//! stray one left by a crash is never taken for a blob.
//!
//! The per-call paths (`exists`, `read`) allocate nothing but the returned bytes: the hash is
//! normalized into a stack array and the blob's path is built in a stack buffer. Files are read
//! and hashed chunk by chunk, so each chunk is hashed while it is still in the CPU cache (a second
//! thread reading ahead gained nothing measurable: hashing is the cost), and the file-to-file
//! operations (`write_file`, `read_to_file`) stream with a fixed-size buffer.

use super::durable_fs::{create_dirs, parent_dir, sync_dir};
use super::{Error, Result};
use sha2::{Digest, Sha256};
use std::ffi::{CStr, OsStr};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

pub const SHA256_HEX_LEN: usize = 64;

/// A normalized hash: 64 lowercase hex digits (ASCII).
pub type HashHex = [u8; SHA256_HEX_LEN];

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

/// Paths up to this length (NUL included) are built on the stack.
const STACK_PATH: usize = 320;

pub struct BlobStore {
    root: PathBuf,
    /// `root` followed by `/` (nothing when the root is empty): what precedes `<2 hex>/<62 hex>`,
    /// so the result reads as `path.join(root, shard, name)` does.
    prefix: Vec<u8>,
}

/// The result of [`BlobStore::read_with`].
pub enum ReadOutcome<B> {
    /// The caller's buffer, filled with the whole blob.
    Filled(B),
    /// The file did not report its size up front, or changed size while it was read: its bytes.
    Bytes(Vec<u8>),
}

pub fn digest_hex(bytes: &[u8]) -> String {
    hex_str(&hex_digest(bytes)).to_owned()
}

fn hex_of(digest: &[u8]) -> HashHex {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; SHA256_HEX_LEN];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

fn hex_digest(bytes: &[u8]) -> HashHex {
    hex_of(&Sha256::digest(bytes))
}

/// The hash as text (it is ASCII by construction).
pub fn hex_str(h: &HashHex) -> &str {
    std::str::from_utf8(h).expect("hex digits are ASCII")
}

/// JavaScript's `String.prototype.trim` set: WhiteSpace and LineTerminator, which is not Rust's
/// `char::is_whitespace` (that one has U+0085 and lacks U+FEFF).
fn is_js_trim_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}'
            | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}'
            | '\u{3000}' | '\u{feff}'
    )
}

/// `hash.trim().toLowerCase()` when that is 64 hex digits, else `None`; without allocating.
pub fn normalize_hash(hash: &str) -> Option<HashHex> {
    let b = hash.as_bytes();
    // The common spelling, already trimmed, skips the Unicode trim.
    let h = if b.len() == SHA256_HEX_LEN && b[0].is_ascii_hexdigit() && b[SHA256_HEX_LEN - 1].is_ascii_hexdigit() {
        b
    } else {
        hash.trim_matches(is_js_trim_space).as_bytes()
    };
    if h.len() != SHA256_HEX_LEN {
        return None;
    }
    // Only ASCII letters lowercase to hex digits, so an ASCII check is exact.
    let mut out = [0u8; SHA256_HEX_LEN];
    for (o, &c) in out.iter_mut().zip(h) {
        if !c.is_ascii_hexdigit() {
            return None;
        }
        *o = c.to_ascii_lowercase();
    }
    Some(out)
}

/// `hash.trim().toLowerCase()` when that is 64 hex digits, else `None`.
pub fn normalize_blob_hash(hash: &str) -> Option<String> {
    normalize_hash(hash).map(|h| hex_str(&h).to_owned())
}

/// A blob's path, NUL-terminated, as [`BlobStore::with_blob_path`] lends it.
pub struct BlobPath<'a> {
    with_nul: &'a [u8],
}

impl BlobPath<'_> {
    pub fn path(&self) -> &Path {
        Path::new(OsStr::from_bytes(&self.with_nul[..self.with_nul.len() - 1]))
    }

    /// `fs.existsSync`: `access(path, F_OK)` succeeds (a path with a NUL byte never exists).
    pub fn exists(&self) -> bool {
        match CStr::from_bytes_with_nul(self.with_nul) {
            // SAFETY: a valid NUL-terminated string that outlives the call.
            Ok(c) => unsafe { libc::access(c.as_ptr(), libc::F_OK) == 0 },
            Err(_) => false,
        }
    }

    fn dir(&self) -> &Path {
        parent_dir(self.path())
    }
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let mut prefix = root.as_os_str().as_bytes().to_vec();
        if !prefix.is_empty() && !prefix.ends_with(b"/") {
            prefix.push(b'/');
        }
        BlobStore { root, prefix }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this (normalized) hash lives.
    pub fn path_for(&self, hash: &str) -> PathBuf {
        let mut p = self.prefix.clone();
        p.extend_from_slice(&hash.as_bytes()[..2]);
        p.push(b'/');
        p.extend_from_slice(&hash.as_bytes()[2..]);
        PathBuf::from(OsStr::from_bytes(&p))
    }

    /// Calls `f` with the blob's path, built on the stack when it is short enough.
    pub fn with_blob_path<R>(&self, h: &HashHex, f: impl FnOnce(&BlobPath<'_>) -> R) -> R {
        let len = self.prefix.len() + SHA256_HEX_LEN + 2;
        let fill = |buf: &mut [u8]| {
            let p = self.prefix.len();
            buf[..p].copy_from_slice(&self.prefix);
            buf[p..p + 2].copy_from_slice(&h[..2]);
            buf[p + 2] = b'/';
            buf[p + 3..p + 3 + 62].copy_from_slice(&h[2..]);
            buf[len - 1] = 0;
        };
        if len <= STACK_PATH {
            let mut buf = [0u8; STACK_PATH];
            fill(&mut buf[..len]);
            f(&BlobPath { with_nul: &buf[..len] })
        } else {
            let mut buf = vec![0u8; len];
            fill(&mut buf);
            f(&BlobPath { with_nul: &buf })
        }
    }

    /// Stores the bytes (if not already there) and returns their lowercase sha256 hex. An existing
    /// file of that name is verified instead, and a damaged one is an error.
    pub fn write(&self, bytes: &[u8]) -> Result<String> {
        let h = hex_digest(bytes);
        self.with_blob_path(&h, |bp| {
            let path = bp.path();
            if bp.exists() {
                return verify_file(path, &h);
            }
            let dir = bp.dir();
            let mut tmp = temp_file(dir, path)?;
            write_with_writeback(tmp.as_file_mut(), bytes).map_err(|e| Error::io(e, "write", path))?;
            persist(tmp, path, dir)
        })?;
        Ok(hex_str(&h).to_owned())
    }

    /// Where temporary files of not yet hashed content go.
    fn root_dir(&self) -> &Path {
        if self.root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.root
        }
    }

    /// Stores the content of the file at `src` as a blob, streaming it through a temporary file in
    /// the root (fixed-size buffer, hashed as it is copied); returns the hash. As with [`write`], an
    /// existing blob of that hash is verified and the copy discarded.
    ///
    /// [`write`]: BlobStore::write
    pub fn write_file(&self, src: &Path) -> Result<String> {
        let mut input = File::open(src).map_err(|e| Error::io(e, "open", src))?;
        let root = self.root_dir();
        let mut tmp = temp_file(root, root)?;
        let tmp_path = tmp.path().to_path_buf();
        let h = copy_hashing(&mut input, &mut tmp, &tmp_path)?;
        self.with_blob_path(&h, |bp| {
            let path = bp.path();
            if bp.exists() {
                // `tmp` is removed when dropped.
                return verify_file(path, &h);
            }
            let dir = bp.dir();
            if !dir.is_dir() {
                create_dirs(dir)?;
            }
            persist(tmp, path, dir)
        })?;
        Ok(hex_str(&h).to_owned())
    }

    /// The blob's bytes; `None` for a malformed hash or a missing blob. A file whose content does not
    /// hash to its name is an error, never returned.
    pub fn read(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read_with(hash, zeroed_vec)?.map(|o| match o {
            ReadOutcome::Filled(v) | ReadOutcome::Bytes(v) => v,
        }))
    }

    /// [`read`] into a buffer that `alloc` makes once the file's size is known (the N-API layer
    /// reads straight into a Node.js Buffer this way). `alloc` is not called for a malformed hash,
    /// a missing blob or a file that does not report its size.
    ///
    /// [`read`]: BlobStore::read
    pub fn read_with<B: AsMut<[u8]>>(
        &self,
        hash: &str,
        alloc: impl FnOnce(usize) -> Result<B>,
    ) -> Result<Option<ReadOutcome<B>>> {
        let Some(h) = normalize_hash(hash) else { return Ok(None) };
        self.with_blob_path(&h, |bp| {
            let Some(mut file) = open_blob(bp)? else { return Ok(None) };
            let path = bp.path();
            let size = regular_file_size(&file)?;
            let mut hasher = Sha256::new();
            let out = match size {
                Some(len) if len > 0 => {
                    let mut b = alloc(len)?;
                    let buf = b.as_mut();
                    let filled = fill_hashing(&mut file, buf, &mut hasher).map_err(|e| Error::io_fd(e, "read"))?;
                    if filled == len {
                        ReadOutcome::Filled(b)
                    } else {
                        // Shrunk while read: return what it held, as readFileSync does.
                        ReadOutcome::Bytes(buf[..filled].to_vec())
                    }
                }
                _ => {
                    // No size up front (an empty file, or not a regular file): read to the end,
                    // as readFileSync does. A directory fails here, at the read.
                    let mut data = Vec::new();
                    file.read_to_end(&mut data).map_err(|e| Error::io_fd(e, "read"))?;
                    hasher.update(&data);
                    ReadOutcome::Bytes(data)
                }
            };
            check(path, &h, &hex_of(&hasher.finalize()))?;
            Ok(Some(out))
        })
    }

    /// Copies blob `hash` to `dest`, streaming and verifying it: the bytes go to a temporary file
    /// beside `dest` that is fsynced and renamed over `dest` only once the content hashed to its
    /// name. `false` (and nothing written) for a malformed hash or a missing blob; a damaged blob
    /// is an error and leaves neither `dest` nor the temporary file.
    pub fn read_to_file(&self, hash: &str, dest: &Path) -> Result<bool> {
        let Some(h) = normalize_hash(hash) else { return Ok(false) };
        self.with_blob_path(&h, |bp| {
            let Some(mut file) = open_blob(bp)? else { return Ok(false) };
            let dir = parent_dir(dest);
            let mut tmp = tempfile::Builder::new()
                .prefix(".tmp.")
                .tempfile_in(dir)
                .map_err(|e| Error::io(e, "open", dest))?;
            let actual = copy_hashing(&mut file, &mut tmp, dest)?;
            check(bp.path(), &h, &actual)?;
            persist(tmp, dest, dir)?;
            Ok(true)
        })
    }

    pub fn exists(&self, hash: &str) -> bool {
        normalize_hash(hash).is_some_and(|h| self.exists_hex(&h))
    }

    pub fn exists_hex(&self, h: &HashHex) -> bool {
        self.with_blob_path(h, |bp| bp.exists())
    }
}

/// Opens a blob for reading; `None` when `fs.existsSync` would be false, as the reference checks
/// that first. The open itself answers the common cases (ENOENT, ENOTDIR); any other failure is
/// reported only if the path exists (a file without read permission, say).
fn open_blob(bp: &BlobPath<'_>) -> Result<Option<File>> {
    match File::open(bp.path()) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) => Ok(None),
        Err(_) if !bp.exists() => Ok(None),
        Err(e) => Err(Error::io(e, "open", bp.path())),
    }
}

/// Streams `input` into `out` through one fixed buffer, hashing the bytes and starting the writeback
/// of each chunk as soon as it is written; returns the content's hash. Write errors name `out_name`.
fn copy_hashing(input: &mut File, out: &mut NamedTempFile, out_name: &Path) -> Result<HashHex> {
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
        start_writeback(out.as_file(), offset, n);
        offset += n;
    }
    Ok(hex_of(&hasher.finalize()))
}

/// Reads `file` into `buf` (until it is full or the file ends) and hashes it. Returns how much was
/// read. A large blob is read by a second thread while this one hashes what has arrived: sha256 is
/// most of the cost of a read and cannot be split, but the copy out of the page cache can run beside
/// it (16 MiB: about 15% less time on an idle machine).
fn fill_hashing(file: &mut File, buf: &mut [u8], hasher: &mut Sha256) -> io::Result<usize> {
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
fn write_with_writeback(file: &mut File, bytes: &[u8]) -> io::Result<()> {
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
fn regular_file_size(file: &File) -> Result<Option<usize>> {
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

fn check(path: &Path, expected: &HashHex, actual: &HashHex) -> Result<()> {
    if actual != expected {
        return Err(Error::blob_mismatch(path, hex_str(actual), hex_str(expected)));
    }
    Ok(())
}

/// Hashes the file at `path`, streaming, and checks it is `expected`.
fn verify_file(path: &Path, expected: &HashHex) -> Result<()> {
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

/// A `.tmp.` file in `dir`, creating `dir` if it is missing. Failures name `report` (the file the
/// temporary one stands for).
fn temp_file(dir: &Path, report: &Path) -> Result<NamedTempFile> {
    let open = || tempfile::Builder::new().prefix(".tmp.").tempfile_in(dir);
    match open() {
        Ok(t) => Ok(t),
        // Whatever the failure, make sure of the directory first: a missing one is created, and
        // one that cannot be is the error to report, as `mkdir -p` then `open` would.
        Err(_) => {
            create_dirs(dir)?;
            open().map_err(|e| Error::io(e, "open", report))
        }
    }
}

/// A zero-filled buffer of `len` bytes, or ENOMEM instead of aborting when there is no memory.
pub fn zeroed_vec(len: usize) -> Result<Vec<u8>> {
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

/// fdatasync (the bytes and the size needed to read them; a new file's other metadata needs no
/// flush), rename over `path`, fsync `dir` (the directory holding `path`).
fn persist(tmp: NamedTempFile, path: &Path, dir: &Path) -> Result<()> {
    tmp.as_file().sync_data().map_err(|e| Error::io(e, "fsync", path))?;
    tmp.persist(path).map_err(|e| Error::io(e.error, "rename", path))?;
    sync_dir(dir)
}
