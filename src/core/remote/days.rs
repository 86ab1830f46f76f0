//! Archive days on the remote: `<prefix>/archive/<store id>/logs/YYYY-MM-DD.jsonl`. The store id
//! is made once per logs.db and kept in its `meta` table, so two daemons sharing a bucket never
//! write the same key. A day file rewritten with late rows is uploaded again whole (the union, the
//! same bytes for the same rows, so a repeated upload is harmless).
//!
//! What has been uploaded is recorded as `uploaded/<day>` = the file's size, mtime and inode when
//! it was sent; every pass compares the day files with those records, so days written by a crash-
//! interrupted archive, by another process or by the reference are found too. The records are
//! bookkeeping: deleted, every day is uploaded once more.

use super::client::Remote;
use super::queue::Queue;
use super::uploader::{Items, RemoteStatus, Uploader};
use crate::core::archive::{
    day_copy_covers, list_archive_days, merge_day_copies, query_wants_day, ArchiveDayFile, ArchiveResult,
};
use crate::core::durable_fs::{create_dirs, AtomicFile};
use crate::core::layout::DAY_FILE_SUFFIX;
use crate::core::layout::REMOTE_DAY_CACHE;
use crate::core::log_store::LogQuery;
use crate::core::log_store::LogStore;
use crate::core::{Error, Result};
use std::future::Future;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

/// The `meta` key that holds the store id.
pub const STORE_ID_KEY: &str = "nerve-store-native:remote-store-id";
/// Beside the day files: `<archive dir>/.remote/{pending,uploaded}` (no day file starts with a dot).
const STATE_DIR: &str = ".remote";

struct DayItems {
    archive_dir: PathBuf,
    /// logs.db, whose write lock keeps archives (ours, in any process) out while a day file is
    /// evicted: they write day files inside `BEGIN IMMEDIATE`.
    db_path: PathBuf,
    store_id: String,
    remote: Arc<Remote>,
    queue: Queue,
    uploaded_dir: PathBuf,
    /// `evicted/<day>`: the day's file was removed after its verified upload (`keepLocal: false`);
    /// the remote copy is the day, plus any local file of rows archived since.
    evicted_dir: PathBuf,
}

/// What `verifyRemote()` found: the days checked, those the remote lacks, and those whose remote
/// copy lacks a row of the local file or holds it changed (or does not parse).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DaysVerified {
    pub days: usize,
    pub missing: Vec<String>,
    pub differing: Vec<String>,
}

/// The remote tier of one log store's archive.
pub struct RemoteDays {
    items: Arc<DayItems>,
    uploader: Uploader,
}

/// The store id kept in `meta`, made (16 random bytes as hex) when there is none yet.
pub fn store_id(store: &LogStore, wanted: Option<&str>) -> Result<String> {
    if let Some(id) = store.get_meta(STORE_ID_KEY)? {
        return Ok(id);
    }
    let id = match wanted {
        Some(w) => w.to_owned(),
        None => {
            let mut b = [0u8; 16];
            getrandom::fill(&mut b).map_err(|e| Error::internal(&format!("no random bytes for a store id: {e}")))?;
            hex::encode(b)
        }
    };
    store.set_meta(STORE_ID_KEY, &id)?;
    Ok(id)
}

/// A store id as `options.remote.storeId` may give it: what could sit in a key path safely.
pub fn check_store_id(arg: &str, id: &str) -> Result<()> {
    let ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::arg_value(arg, "1 to 64 of a-z, A-Z, 0-9, '-', '_'", &format!("'{id}'")))
    }
}

impl RemoteDays {
    pub fn start(db_path: &Path, archive_dir: &Path, store_id: String, remote: Arc<Remote>) -> RemoteDays {
        let state = archive_dir.join(STATE_DIR);
        let items = Arc::new(DayItems {
            archive_dir: archive_dir.to_path_buf(),
            db_path: db_path.to_path_buf(),
            store_id,
            remote,
            queue: Queue::new(state.join("pending")),
            uploaded_dir: state.join("uploaded"),
            evicted_dir: state.join("evicted"),
        });
        let uploader = Uploader::start(Arc::clone(&items) as Arc<dyn Items>);
        RemoteDays { items, uploader }
    }

    pub fn store_id(&self) -> &str {
        &self.items.store_id
    }

    pub fn url(&self) -> String {
        self.items.remote.config.url()
    }

    /// How long a synchronous call waits for the remote.
    pub fn timeout(&self) -> std::time::Duration {
        self.items.remote.config.timeout
    }

    /// Queues the days an archive just wrote (before the archive call returns).
    pub fn archived(&self, result: &ArchiveResult) -> Result<()> {
        for d in &result.days {
            self.uploader.enqueue(&d.day)?;
        }
        Ok(())
    }

    pub fn status(&self) -> RemoteStatus {
        self.uploader.status()
    }

    pub fn sync(&self) -> RemoteStatus {
        self.uploader.sync()
    }

    /// The day's file from the remote, `None` when it has none.
    pub async fn fetch(&self, day: &str) -> Result<Option<bytes::Bytes>> {
        self.items.remote.get(&self.items.key(day)).await
    }

    /// The days whose local file was evicted after upload (their remote copy is the day).
    pub fn evicted_days(&self) -> Result<Vec<String>> {
        Queue::new(self.items.evicted_dir.clone()).list()
    }

    /// `local` (the folder's day files) with the evicted days that have no local file added, each
    /// with the size of its remote copy as recorded when it was evicted (no network), oldest first.
    pub fn with_evicted(&self, mut local: Vec<ArchiveDayFile>) -> Result<Vec<ArchiveDayFile>> {
        for day in self.evicted_days()? {
            if local.iter().any(|d| d.day == day) {
                continue;
            }
            let bytes = self.items.evicted_bytes(&day);
            local.push(ArchiveDayFile { day, bytes, remote_only: true });
        }
        local.sort_by(|a, b| a.day.cmp(&b.day));
        Ok(local)
    }

    /// Fetches the remote copies a read with filter `q` needs into the archive's cache folder
    /// (where every archive read takes them, see `layout::REMOTE_DAY_CACHE`): the evicted days,
    /// and with `listing`, every day the remote holds for this store that is not local (a
    /// restore, or an archive another machine wrote under this store id). Each copy is checked
    /// line by line as the read parses it. Returns how many days were fetched.
    pub fn fill_cache(&self, q: &LogQuery, listing: bool, timeout: std::time::Duration) -> Result<usize> {
        let items = &self.items;
        let mut days = self.evicted_days()?;
        let fut = async {
            if listing {
                let local: std::collections::HashSet<String> =
                    list_archive_days(&items.archive_dir)?.into_iter().map(|d| d.day).collect();
                days.extend(self.remote_days().await?.into_iter().map(|(d, _)| d).filter(|d| !local.contains(d)));
            }
            days.sort();
            days.dedup();
            let cache = REMOTE_DAY_CACHE.iter().fold(items.archive_dir.clone(), |p, part| p.join(part));
            let mut n = 0;
            for day in days.iter().filter(|d| query_wants_day(q, d)) {
                let Some(bytes) = self.fetch(day).await? else { continue };
                create_dirs(&cache)?;
                let path = crate::core::layout::day_file(&cache, day);
                let mut tmp = AtomicFile::create_in(&cache, &path)?;
                tmp.file_mut().write_all(&bytes).map_err(|e| Error::io(e, "write", &path))?;
                tmp.persist(&path)?;
                n += 1;
            }
            Ok(n)
        };
        self.items.remote.wait("the archive's remote days", timeout, fut)
    }

    /// Checks every local day file against its remote copy, which must hold each of its lines as
    /// it is (it may hold more), and that each evicted day has a remote copy. Reads the remote
    /// only; nothing is queued or removed.
    pub async fn verify(&self) -> Result<DaysVerified> {
        let items = &self.items;
        let local = list_archive_days(&items.archive_dir)?;
        let mut out = DaysVerified::default();
        for d in self.with_evicted(local)? {
            out.days += 1;
            let key = items.key(&d.day);
            let Some(copy) = items.remote.get(&key).await? else {
                out.missing.push(d.day);
                continue;
            };
            if d.remote_only {
                continue;
            }
            let path = crate::core::layout::day_file(&items.archive_dir, &d.day);
            let file = match std::fs::read(&path) {
                Ok(f) => f,
                // Evicted since the listing: its remote copy was verified before that.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(e, "open", &path)),
            };
            if !day_copy_covers(&copy, &file, &path)? {
                out.differing.push(d.day);
            }
        }
        Ok(out)
    }

    /// The days the remote holds for this store, oldest first, with their sizes.
    pub async fn remote_days(&self) -> Result<Vec<(String, u64)>> {
        let prefix = format!("archive/{}/logs", self.items.store_id);
        let mut days: Vec<(String, u64)> = self
            .items
            .remote
            .list(&prefix)
            .await?
            .into_iter()
            .filter_map(|(k, n)| Some((k.rsplit('/').next()?.strip_suffix(DAY_FILE_SUFFIX)?.to_owned(), n)))
            .collect();
        days.sort();
        Ok(days)
    }

    pub fn wait<T>(&self, what: &str, timeout: std::time::Duration, fut: impl Future<Output = Result<T>>) -> Result<T> {
        self.items.remote.wait(what, timeout, fut)
    }
}

impl DayItems {
    fn key(&self, day: &str) -> object_store::path::Path {
        self.remote.key(&format!("archive/{}/logs/{day}{DAY_FILE_SUFFIX}", self.store_id))
    }

    fn stamp(meta: &std::fs::Metadata) -> String {
        format!("{} {} {} {}", meta.len(), meta.mtime(), meta.mtime_nsec(), meta.ino())
    }

    /// Queues every day file whose current state is not the one recorded as uploaded.
    fn queue_changed(&self) -> Result<()> {
        for d in list_archive_days(&self.archive_dir)? {
            let path = self.archive_dir.join(format!("{}{DAY_FILE_SUFFIX}", d.day));
            let Ok(meta) = std::fs::metadata(&path) else { continue };
            let recorded = std::fs::read_to_string(self.uploaded_dir.join(&d.day)).ok();
            if recorded.as_deref() != Some(Self::stamp(&meta).as_str()) && !self.queue.contains(&d.day) {
                self.queue.add(&d.day)?;
            }
        }
        Ok(())
    }
}

impl Items for DayItems {
    fn add(&self, day: &str) -> Result<()> {
        self.queue.add(day)
    }

    fn pending(&self) -> Result<Vec<String>> {
        self.queue.list()
    }

    fn done(&self, day: &str) -> Result<()> {
        self.queue.remove(day)
    }

    fn refresh(&self) -> Result<()> {
        self.queue_changed()
    }

    fn upload<'a>(&'a self, day: &'a str) -> Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>> {
        Box::pin(async move {
            let path = self.archive_dir.join(format!("{day}{DAY_FILE_SUFFIX}"));
            let before = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
                Err(e) => return Err(Error::io(e, "stat", &path)),
            };
            let key = self.key(day);
            let remote_bytes;
            if self.evicted_dir.join(day).exists() {
                // Rows archived after the day was evicted: the object becomes the union of the
                // remote's copy and this file. The local file itself is never rewritten here
                // (an archive may be writing it).
                let local = std::fs::read(&path).map_err(|e| Error::io(e, "open", &path))?;
                let merged = match self.remote.get(&key).await? {
                    Some(remote) => merge_day_copies(&remote, &local, (Path::new(&format!("remote:{key}")), &path))?,
                    None => local,
                };
                remote_bytes = merged.len() as u64;
                self.remote.put(&key, merged.into()).await?;
            } else {
                remote_bytes = before.len();
                self.remote.put_file(&key, &path, &mut |_| Ok(())).await?;
            }
            // Rewritten (late rows merged in) while it was sent: send it again on the next pass.
            let after = std::fs::metadata(&path).map_err(|e| Error::io(e, "stat", &path))?;
            if Self::stamp(&after) != Self::stamp(&before) {
                return Ok(false);
            }
            let stamp = Self::stamp(&after);
            write_record(&self.uploaded_dir, day, &stamp)?;
            if !self.remote.config.keep_local {
                self.evict(day, &path, &stamp, remote_bytes)?;
            }
            Ok(true)
        })
    }
}

impl DayItems {
    /// An evicted day's size on the remote, from its eviction record (empty in records of
    /// earlier versions: then the size of the file last uploaded, from its upload record).
    fn evicted_bytes(&self, day: &str) -> u64 {
        let first = |dir: &Path| -> Option<u64> {
            std::fs::read_to_string(dir.join(day)).ok()?.split_whitespace().next()?.parse().ok()
        };
        first(&self.evicted_dir).or_else(|| first(&self.uploaded_dir)).unwrap_or(0)
    }

    /// Removes the day file, if it is still the one uploaded, under logs.db's write lock so no
    /// archive can write it meanwhile. The marker goes first: a crash after it leaves a local
    /// file that the next pass uploads (as a union, the same bytes) and evicts again.
    fn evict(&self, day: &str, path: &Path, stamp: &str, remote_bytes: u64) -> Result<()> {
        let conn = crate::core::connection::open(&self.db_path)?;
        crate::core::sql::transaction::immediate(&conn, |_| {
            match std::fs::metadata(path) {
                Ok(m) if Self::stamp(&m) == stamp => {}
                _ => return Ok(()),
            }
            write_record(&self.evicted_dir, day, &remote_bytes.to_string())?;
            std::fs::remove_file(path).map_err(|e| Error::io(e, "unlink", path))
        })
    }
}

/// `dir/name` holding `text`, the folder made when missing.
fn write_record(dir: &Path, name: &str, text: &str) -> Result<()> {
    let record = dir.join(name);
    if std::fs::write(&record, text).is_err() {
        crate::core::durable_fs::create_dirs(dir)?;
        std::fs::write(&record, text).map_err(|e| Error::io(e, "write", &record))?;
    }
    Ok(())
}
