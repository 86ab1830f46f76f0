//! A blob store with an optional remote tier: the local store answers first, exactly as without a
//! remote; only a miss asks the remote (which is where `keepLocal: false` leaves evicted blobs,
//! and where blobs another machine wrote to the same bucket are). Synchronous calls wait for the
//! remote at most `timeoutMs` and throw a coded error when it cannot answer, rather than report a
//! blob the store holds remotely as missing.

use super::blobs::RemoteBlobs;
use super::client::{Remote, ASYNC_TIMEOUT};
use super::uploader::RemoteStatus;
use crate::core::blob_store::{normalize_hash, BlobStore};
use crate::core::Result;
use std::path::Path;
use std::sync::Arc;

pub struct TieredBlobs {
    local: BlobStore,
    remote: Option<RemoteBlobs>,
}

/// Whether a call runs on the JavaScript thread (bounded by `timeoutMs`) or on a worker thread
/// (bounded by [`ASYNC_TIMEOUT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Sync,
    Async,
}

impl TieredBlobs {
    pub fn new(root: &Path, remote: Option<Arc<Remote>>) -> TieredBlobs {
        TieredBlobs { local: BlobStore::new(root), remote: remote.map(|r| RemoteBlobs::start(root, r)) }
    }

    pub fn local(&self) -> &BlobStore {
        &self.local
    }

    pub fn remote(&self) -> Option<&RemoteBlobs> {
        self.remote.as_ref()
    }

    fn timeout(&self, r: &RemoteBlobs, wait: Wait) -> std::time::Duration {
        match wait {
            Wait::Sync => r.remote().config.timeout,
            Wait::Async => ASYNC_TIMEOUT.max(r.remote().config.timeout),
        }
    }

    /// Stores the bytes locally and durably; a new blob is queued for upload before this returns.
    pub fn write(&self, bytes: &[u8]) -> Result<String> {
        let (hash, created) = match self.local.write_new(bytes) {
            // The evictor removed the existing file between the check and its verification:
            // write it again.
            Err(e) if self.remote.is_some() && e.code == "ENOENT" => self.local.write_new(bytes)?,
            other => other?,
        };
        if let (Some(r), true) = (&self.remote, created) {
            r.written(&hash)?;
        }
        Ok(hash)
    }

    pub fn write_file(&self, src: &Path) -> Result<String> {
        let (hash, created) = self.local.write_file_new(src)?;
        if let (Some(r), true) = (&self.remote, created) {
            r.written(&hash)?;
        }
        Ok(hash)
    }

    /// The remote's copy after a local miss (`None` without a remote, for a malformed hash, or
    /// when the remote has none either).
    pub fn read_remote(&self, hash: &str, wait: Wait) -> Result<Option<Vec<u8>>> {
        let (Some(r), Some(h)) = (&self.remote, normalize_hash(hash)) else { return Ok(None) };
        r.wait("read", self.timeout(r, wait), r.fetch(&h))
    }

    pub fn read(&self, hash: &str, wait: Wait) -> Result<Option<Vec<u8>>> {
        match self.local.read(hash)? {
            Some(b) => Ok(Some(b)),
            None => self.read_remote(hash, wait),
        }
    }

    pub fn exists_remote(&self, hash: &str, wait: Wait) -> Result<bool> {
        let (Some(r), Some(h)) = (&self.remote, normalize_hash(hash)) else { return Ok(false) };
        r.wait("exists", self.timeout(r, wait), r.exists(&h))
    }

    pub fn exists(&self, hash: &str, wait: Wait) -> Result<bool> {
        Ok(self.local.exists(hash) || self.exists_remote(hash, wait)?)
    }

    pub fn read_to_file(&self, hash: &str, dest: &Path) -> Result<bool> {
        if self.local.read_to_file(hash, dest)? {
            return Ok(true);
        }
        let (Some(r), Some(h)) = (&self.remote, normalize_hash(hash)) else { return Ok(false) };
        r.wait("readToFile", self.timeout(r, Wait::Async), r.fetch_to_file(&h, dest))
    }

    pub fn status(&self) -> Option<RemoteStatus> {
        self.remote.as_ref().map(|r| r.status())
    }

    pub fn sync(&self) -> Option<RemoteStatus> {
        self.remote.as_ref().map(|r| r.sync())
    }
}
