//! Content-addressed blobs: `<root>/<2 hex>/<62 hex>`, named by the sha256 of their bytes.
//!
//! Writes go through a temporary file that is fsynced, renamed into place and made durable with a
//! directory fsync. Temporary files start with `.tmp.`, which no 62-hex name does, so a stray one
//! left by a crash is never taken for a blob.

use super::archive::sync_dir;
use super::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub const SHA256_HEX_LEN: usize = 64;

pub struct BlobStore {
    root: PathBuf,
}

pub fn digest_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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

/// `hash.trim().toLowerCase()` when that is 64 hex digits, else `None`.
pub fn normalize_blob_hash(hash: &str) -> Option<String> {
    let h = hash.trim_matches(is_js_trim_space);
    // Only ASCII letters lowercase to hex digits, so an ASCII check is exact.
    (h.len() == SHA256_HEX_LEN && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BlobStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this (normalized) hash lives.
    pub fn path_for(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(&hash[2..])
    }

    /// Stores the bytes (if not already there) and returns their lowercase sha256 hex.
    pub fn write(&self, bytes: &[u8]) -> Result<String> {
        let hash = digest_hex(bytes);
        let path = self.path_for(&hash);
        if path.exists() {
            verify(&path, &hash)?;
            return Ok(hash);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| Error::io(e, "mkdir", dir))?;
        let io = |e: std::io::Error, syscall: &str| Error::io(e, syscall, &path);
        let mut tmp = tempfile::Builder::new().prefix(".tmp.").tempfile_in(dir).map_err(|e| io(e, "open"))?;
        tmp.write_all(bytes).map_err(|e| io(e, "write"))?;
        tmp.as_file().sync_all().map_err(|e| io(e, "fsync"))?;
        tmp.persist(&path).map_err(|e| io(e.error, "rename"))?;
        sync_dir(dir)?;
        Ok(hash)
    }

    /// The blob's bytes; `None` for a malformed hash or a missing blob. A file whose content does not
    /// hash to its name is an error, never returned.
    pub fn read(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let Some(h) = normalize_blob_hash(hash) else { return Ok(None) };
        let path = self.path_for(&h);
        if !path.exists() {
            return Ok(None);
        }
        verify(&path, &h).map(Some)
    }

    pub fn exists(&self, hash: &str) -> bool {
        normalize_blob_hash(hash).is_some_and(|h| self.path_for(&h).exists())
    }
}

fn verify(path: &Path, expected: &str) -> Result<Vec<u8>> {
    // Open and read apart, as readFileSync reports them: a directory in the blob's place opens
    // fine and fails at the read, which node:fs words without a path.
    let mut data = Vec::new();
    fs::File::open(path)
        .map_err(|e| Error::io(e, "open", path))?
        .read_to_end(&mut data)
        .map_err(|e| Error::io_fd(e, "read"))?;
    let actual = digest_hex(&data);
    if actual != expected {
        return Err(Error::blob_mismatch(path, &actual, expected));
    }
    Ok(data)
}
