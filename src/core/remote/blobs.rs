//! Blobs on the remote: `<prefix>/blobs/<2 hex>/<62 hex>`, the same key for the same bytes from
//! every store that shares the bucket. A blob is uploaded only after its local file hashed to its
//! name, and the server checks the sha256 sent with it; only then, with `keepLocal: false`, is the
//! local file removed. A blob read from the remote is hashed before it is returned, so altered
//! bytes are an `ERR_BLOB_MISMATCH`, never a result.
//!
//! The queue costs a `write` nothing on disk: the blob file itself is the durable record. A new
//! blob is queued in memory; each verified upload is appended to `<root>/.remote/uploaded-<remote>.log`;
//! and the first pass after an open (or a `pushRemote`) walks the shards and queues every local
//! blob that log does not name, which is what a crash or a kill left unsent. The log is
//! bookkeeping: deleted, every local blob is sent once more (the same bytes to the same key).

use super::client::Remote;
use super::uploader::{Items, RemoteStatus, Uploader};
use crate::core::blob_store::{hex_str, normalize_hash, BlobStore, HashHex};
use crate::core::durable_fs::{create_dirs, parent_dir, AtomicFile};
use crate::core::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;

/// Where the log of blobs verified remote lives (no 2-hex shard name starts with a dot, so the
/// folder is never taken for blobs): one log per remote, named by a digest of its URL and
/// endpoint, so pointing the store at another bucket sends everything there too.
const STATE_DIR: &str = ".remote";

struct BlobItems {
    store: BlobStore,
    remote: Arc<Remote>,
    state: Mutex<BlobQueue>,
    /// Blobs the scans have queued, for `push`'s count.
    scanned: AtomicU64,
}

#[derive(Default)]
struct BlobQueue {
    pending: BTreeSet<String>,
    /// Verified in the current pass, appended to the upload log when it ends.
    verified: Vec<String>,
    /// The shards must be walked before the next pass (after an open, or for `pushRemote`).
    scan: bool,
    log: Option<File>,
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
            state: Mutex::new(BlobQueue { scan: true, ..Default::default() }),
            scanned: AtomicU64::new(0),
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

    /// Walks the shards before the next pass and queues every local blob the upload log does not
    /// name; with `all`, every local blob (for blobs the bucket lost, say). Waits for that pass and
    /// returns how many blobs it queued.
    pub fn push(&self, all: bool) -> Result<u64> {
        if all {
            self.items.forget_uploaded()?;
        }
        self.items.lock().scan = true;
        let before = self.items.scanned.load(Ordering::SeqCst);
        self.uploader.sync();
        Ok(self.items.scanned.load(Ordering::SeqCst).wrapping_sub(before))
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

impl BlobItems {
    fn lock(&self) -> std::sync::MutexGuard<'_, BlobQueue> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn log_path(&self) -> std::path::PathBuf {
        let c = &self.remote.config;
        let id = Sha256::digest(format!("{}\n{}", c.url(), c.endpoint.as_deref().unwrap_or("")).as_bytes());
        self.store.root().join(STATE_DIR).join(format!("uploaded-{}.log", &hex::encode(id)[..16]))
    }

    fn forget_uploaded(&self) -> Result<()> {
        let path = self.log_path();
        let mut st = self.lock();
        st.log = None;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(e, "unlink", &path)),
            _ => Ok(()),
        }
    }

    /// The hashes the upload log names (a torn last line is ignored: that blob is sent again).
    fn uploaded(&self) -> Result<HashSet<[u8; 32]>> {
        let path = self.log_path();
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
            Err(e) => return Err(Error::io(e, "open", &path)),
        };
        let mut set = HashSet::new();
        for line in text.split(|&b| b == b'\n') {
            let mut h = [0u8; 32];
            if line.len() == 64 && hex::decode_to_slice(line, &mut h).is_ok() {
                set.insert(h);
            }
        }
        Ok(set)
    }

    /// Queues every local blob not in the upload log; with `keepLocal: false`, a logged blob still
    /// here (its removal cut short by a crash) is removed now.
    fn scan(&self) -> Result<()> {
        let uploaded = self.uploaded()?;
        let root = self.store.root();
        let mut found = Vec::new();
        for shard in read_dir_names(root)? {
            if shard.len() != 2 || !shard.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                continue;
            }
            for name in read_dir_names(&root.join(&shard))? {
                let hash = format!("{shard}{name}");
                let mut h = [0u8; 32];
                if hash.len() != 64
                    || hex::decode_to_slice(&hash, &mut h).is_err()
                    || hash.bytes().any(|b| b.is_ascii_uppercase())
                {
                    continue;
                }
                if !uploaded.contains(&h) {
                    found.push(hash);
                } else if !self.remote.config.keep_local {
                    let path = self.store.path_for(&hash);
                    if let Err(e) = std::fs::remove_file(&path) {
                        if e.kind() != std::io::ErrorKind::NotFound {
                            return Err(Error::io(e, "unlink", &path));
                        }
                    }
                }
            }
        }
        self.scanned.fetch_add(found.len() as u64, Ordering::SeqCst);
        self.lock().pending.extend(found);
        Ok(())
    }

    /// Appends the pass's verified blobs to the upload log in one write (opened once; not
    /// fsynced: a line lost to a power cut only means that blob is sent again). One append per
    /// pass, not per blob: each append changes the log's inode, which the next blob write's fsync
    /// would otherwise have to journal too.
    fn flush_log(&self) -> Result<()> {
        let path = self.log_path();
        let mut st = self.lock();
        if st.verified.is_empty() {
            return Ok(());
        }
        if st.log.is_none() {
            let open = || std::fs::OpenOptions::new().create(true).append(true).open(&path);
            let f = match open() {
                Ok(f) => f,
                Err(_) => {
                    create_dirs(parent_dir(&path))?;
                    open().map_err(|e| Error::io(e, "open", &path))?
                }
            };
            st.log = Some(f);
        }
        let mut text = String::with_capacity(st.verified.len() * 65);
        for h in st.verified.drain(..) {
            text.push_str(&h);
            text.push('\n');
        }
        st.log.as_mut().expect("opened above").write_all(text.as_bytes()).map_err(|e| Error::io(e, "write", &path))
    }
}

impl Items for BlobItems {
    fn add(&self, hash: &str) -> Result<()> {
        self.lock().pending.insert(hash.to_owned());
        Ok(())
    }

    fn pending(&self) -> Result<Vec<String>> {
        Ok(self.lock().pending.iter().cloned().collect())
    }

    fn done(&self, hash: &str) -> Result<()> {
        self.lock().pending.remove(hash);
        Ok(())
    }

    fn pass_done(&self) -> Result<()> {
        self.flush_log()
    }

    fn refresh(&self) -> Result<()> {
        if std::mem::take(&mut self.lock().scan) {
            if let Err(e) = self.scan() {
                self.lock().scan = true;
                return Err(e);
            }
        }
        Ok(())
    }

    fn upload<'a>(&'a self, name: &'a str) -> Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>> {
        Box::pin(async move {
            // A name that is no blob's is dropped: nothing to upload.
            let Some(h) = normalize_hash(name).filter(|h| hex_str(h) == name) else { return Ok(true) };
            let path = self.store.path_for(name);
            if !path.exists() {
                // Evicted after an upload whose bookkeeping a crash cut short, or removed by
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
            self.lock().verified.push(name.to_owned());
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
