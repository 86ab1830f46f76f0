//! Blobs on the remote: `<prefix>/blobs/<2 hex>/<62 hex>`, the same key for the same bytes from
//! every store that shares the bucket. A blob is uploaded only after its local file hashed to its
//! name, and the server checks the sha256 sent with it; only then, with `keepLocal: false`, is the
//! local file removed. A blob read from the remote is hashed before it is returned, so altered
//! bytes are an `ERR_BLOB_MISMATCH`, never a result.

use super::client::Remote;
use super::queue::Queue;
use super::uploader::{Items, RemoteStatus, Uploader};
use crate::core::blob_store::{hex_str, normalize_hash, BlobStore, HashHex};
use crate::core::durable_fs::{parent_dir, AtomicFile};
use crate::core::{Error, Result};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

/// Where a blob store keeps its upload queue: `<root>/.remote/pending/` (no 2-hex shard name
/// starts with a dot, so it is never taken for blobs).
pub const QUEUE_DIR: &str = ".remote/pending";

struct BlobItems {
    store: BlobStore,
    remote: Arc<Remote>,
    queue: Queue,
}

/// The remote tier of one blob store.
pub struct RemoteBlobs {
    items: Arc<BlobItems>,
    uploader: Uploader,
}

fn blob_key(remote: &Remote, h: &str) -> object_store::path::Path {
    remote.key(&format!("blobs/{}/{}", &h[..2], &h[2..]))
}

impl RemoteBlobs {
    /// Starts the uploader for the blobs under `root`; what an earlier run left queued goes first.
    pub fn start(root: &Path, remote: Arc<Remote>) -> RemoteBlobs {
        let items = Arc::new(BlobItems {
            store: BlobStore::new(root),
            remote,
            queue: Queue::new(root.join(QUEUE_DIR)),
        });
        let uploader = Uploader::start(Arc::clone(&items) as Arc<dyn Items>);
        RemoteBlobs { items, uploader }
    }

    pub fn remote(&self) -> &Remote {
        &self.items.remote
    }

    /// Queues a blob the store just wrote (before the write returns to its caller).
    pub fn written(&self, hash: &str) -> Result<()> {
        self.uploader.enqueue(hash)
    }

    pub fn status(&self) -> RemoteStatus {
        self.uploader.status()
    }

    pub fn sync(&self) -> RemoteStatus {
        self.uploader.sync()
    }

    /// Queues every local blob (walking the shards), for a store that had blobs before its remote.
    /// Returns how many were queued.
    pub fn queue_all_local(&self) -> Result<u64> {
        let root = self.items.store.root();
        let mut n = 0;
        for shard in read_dir_names(root)? {
            if shard.len() != 2 || !shard.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            for name in read_dir_names(&root.join(&shard))? {
                let hash = format!("{shard}{name}");
                if normalize_hash(&hash).is_some_and(|h| hex_str(&h) == hash) {
                    self.uploader.enqueue(&hash)?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// The blob from the remote, hashed; `None` when the remote has no such object.
    pub async fn fetch(&self, h: &HashHex) -> Result<Option<Vec<u8>>> {
        let hash = hex_str(h);
        let key = blob_key(&self.items.remote, hash);
        let Some(bytes) = self.items.remote.get(&key).await? else { return Ok(None) };
        check_remote(&key, &Sha256::digest(&bytes), h)?;
        Ok(Some(bytes.to_vec()))
    }

    /// Whether the remote holds the blob.
    pub async fn exists(&self, h: &HashHex) -> Result<bool> {
        Ok(self.items.remote.head(&blob_key(&self.items.remote, hex_str(h))).await?.is_some())
    }

    /// Streams the blob from the remote to `dest` (a temporary file beside it, renamed once the
    /// content hashed to its name); `false` when the remote has no such object.
    pub async fn fetch_to_file(&self, h: &HashHex, dest: &Path) -> Result<bool> {
        let key = blob_key(&self.items.remote, hex_str(h));
        let dir = parent_dir(dest);
        let mut tmp = AtomicFile::create_in(dir, dest)?;
        let mut hasher = Sha256::new();
        let found = self.items.remote.get_to(&key, tmp.file_mut(), &mut |b| hasher.update(b)).await?;
        if !found {
            return Ok(false);
        }
        check_remote(&key, &hasher.finalize(), h)?;
        tmp.persist_durably(dest, dir)?;
        Ok(true)
    }

    /// Runs `fut` from a thread outside the runtime, waiting at most `timeout`.
    pub fn wait<T>(&self, what: &str, timeout: std::time::Duration, fut: impl Future<Output = Result<T>>) -> Result<T> {
        self.items.remote.wait(what, timeout, fut)
    }
}

fn check_remote(key: &object_store::path::Path, digest: &[u8], h: &HashHex) -> Result<()> {
    let actual = hex::encode(digest);
    if actual.as_bytes() == h {
        Ok(())
    } else {
        Err(Error::blob_mismatch(Path::new(&format!("remote:{key}")), &actual, hex_str(h)))
    }
}

impl Items for BlobItems {
    fn queue(&self) -> &Queue {
        &self.queue
    }

    fn upload<'a>(&'a self, name: &'a str) -> Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>> {
        Box::pin(async move {
            // A marker that names no blob is dropped: nothing to upload.
            let Some(h) = normalize_hash(name).filter(|h| hex_str(h) == name) else { return Ok(true) };
            let path = self.store.path_for(name);
            if !path.exists() {
                // Evicted after an upload whose marker removal a crash cut short, or removed by
                // someone else: either way nothing local is left to send.
                return Ok(true);
            }
            let key = blob_key(&self.remote, name);
            let mut verify = |digest: &[u8]| -> Result<()> {
                let actual = hex::encode(digest);
                if actual.as_bytes() == h {
                    Ok(())
                } else {
                    Err(Error::blob_mismatch(&path, &actual, name))
                }
            };
            self.remote.put_file(&key, &path, &mut verify).await?;
            if !self.remote.config.keep_local {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(e, "unlink", &path)),
                }
            }
            Ok(true)
        })
    }
}

fn read_dir_names(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(e, "scandir", dir)),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::io(e, "scandir", dir))?;
        if let Some(n) = e.file_name().to_str() {
            out.push(n.to_owned());
        }
    }
    Ok(out)
}
