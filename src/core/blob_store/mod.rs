//! Content-addressed blobs: `<root>/<2 hex>/<62 hex>`, named by the sha256 of their bytes.
//!
//! Writes go through a temporary file that is fsynced, renamed into place and made durable with a
//! directory fsync; the writeback of each chunk is started as soon as it is written, so that fsync
//! has little left to wait for. Temporary files start with `.tmp.`, which no 62-hex name does, so a
//! stray one left by a crash is never taken for a blob.
//!
//! The per-call paths (`exists`, `read`) allocate nothing but the returned bytes: the hash is
//! normalized into a stack array and the blob's path is built in a stack buffer. Files are read
//! and hashed chunk by chunk, so each chunk is hashed while it is still in the CPU cache; from
//! 4 MiB on a second thread copies out of the page cache while the caller hashes (see
//! `io::fill_hashing`). The file-to-file operations (`write_file`, `read_to_file`) stream with a
//! fixed-size buffer.

mod hash;
mod io;

pub use hash::{digest_hex, hex_str, normalize_blob_hash, normalize_hash, HashHex, SHA256_HEX_LEN};
pub use io::STREAM_CHUNK;

use super::durable_fs::{create_dirs, parent_dir, AtomicFile};
use super::{Error, Result};
use hash::{check, hex_digest, hex_of};
use io::{copy_hashing, fill_hashing, regular_file_size, verify_file, write_with_writeback, zeroed_vec};
use sha2::{Digest, Sha256};
use std::ffi::{CStr, OsStr};
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

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
        self.write_new(bytes).map(|(h, _)| h)
    }

    /// [`write`], also telling whether the blob was new (`false`: an existing file verified).
    ///
    /// [`write`]: BlobStore::write
    pub fn write_new(&self, bytes: &[u8]) -> Result<(String, bool)> {
        let h = hex_digest(bytes);
        let created = self.with_blob_path(&h, |bp| {
            let path = bp.path();
            if bp.exists() {
                return verify_file(path, &h).map(|()| false);
            }
            let dir = bp.dir();
            let mut tmp = AtomicFile::create_in_new_dir(dir, path)?;
            write_with_writeback(tmp.file_mut(), bytes).map_err(|e| Error::io(e, "write", path))?;
            tmp.persist_durably(path, dir).map(|()| true)
        })?;
        Ok((hex_str(&h).to_owned(), created))
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
        self.write_file_new(src).map(|(h, _)| h)
    }

    /// [`write_file`], also telling whether the blob was new.
    ///
    /// [`write_file`]: BlobStore::write_file
    pub fn write_file_new(&self, src: &Path) -> Result<(String, bool)> {
        let mut input = File::open(src).map_err(|e| Error::io(e, "open", src))?;
        let root = self.root_dir();
        let mut tmp = AtomicFile::create_in_new_dir(root, root)?;
        let tmp_path = tmp.path().to_path_buf();
        let h = copy_hashing(&mut input, tmp.file_mut(), &tmp_path)?;
        let created = self.with_blob_path(&h, |bp| {
            let path = bp.path();
            if bp.exists() {
                // `tmp` is removed when dropped.
                return verify_file(path, &h).map(|()| false);
            }
            let dir = bp.dir();
            if !dir.is_dir() {
                create_dirs(dir)?;
            }
            tmp.persist_durably(path, dir).map(|()| true)
        })?;
        Ok((hex_str(&h).to_owned(), created))
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
            let mut tmp = AtomicFile::create_in(dir, dest)?;
            let actual = copy_hashing(&mut file, tmp.file_mut(), dest)?;
            check(bp.path(), &h, &actual)?;
            tmp.persist_durably(dest, dir)?;
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) => Ok(None),
        Err(_) if !bp.exists() => Ok(None),
        Err(e) => Err(Error::io(e, "open", bp.path())),
    }
}
