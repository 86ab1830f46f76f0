//! The background uploader of one store: a thread that drains the on-disk queue, a few uploads at a
//! time, off the JavaScript thread. A pass lists the queue, uploads each item (the item's own
//! `upload` verifies it and, with `keepLocal: false`, removes the local copy after the server
//! verified it), then removes its marker. Failed items stay queued; passes after a failure wait
//! 1 s, 2 s, ... up to a minute, so a remote that is down is not hammered by every new write; a
//! `sync` starts a pass at once. `sync` waits for a pass that starts after it was called, so it
//! covers everything queued before the call.

use super::runtime;
use crate::core::{Error, Result};
use futures::stream::{self, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Uploads in flight at once.
pub const CONCURRENCY: usize = 8;
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
/// A pass that a write asked for starts this long after it, so a burst of writes is sent as one
/// pass (one upload-log append, fewer wake-ups); a `sync` starts one at once.
const GATHER: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// What `remoteStatus()` and `syncRemote()` report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteStatus {
    /// Items verified remote since the store was opened.
    pub uploaded: u64,
    /// Items queued and not yet verified remote.
    pub pending: u64,
    /// Items whose upload failed in the last pass (they stay queued).
    pub failed: u64,
    /// The last failure (its code and message), until a pass succeeds in full.
    pub last_error: Option<Error>,
}

/// How one kind of item (blobs, days) is queued and uploaded.
pub trait Items: Send + Sync + 'static {
    /// Queues an item just written; on disk, or found again on disk by `refresh` after a crash.
    fn add(&self, name: &str) -> Result<()>;
    /// The items queued now, in upload order.
    fn pending(&self) -> Result<Vec<String>>;
    /// Takes a verified item off the queue.
    fn done(&self, name: &str) -> Result<()>;
    /// Queues what the queue may have missed (days another process archived, say); each pass
    /// calls it first.
    fn refresh(&self) -> Result<()> {
        Ok(())
    }
    /// Called after each pass (to write down, once, what the pass verified).
    fn pass_done(&self) -> Result<()> {
        Ok(())
    }
    /// Uploads and verifies the item, then drops any local copy `keepLocal: false` allows to drop.
    /// `Ok(false)`: the item changed while it was sent; it stays queued for the next pass.
    fn upload<'a>(&'a self, name: &'a str) -> Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>>;
}

struct State {
    status: RemoteStatus,
    /// A write or a sync asked for a pass since the last one started.
    dirty: bool,
    stop: bool,
    passes_started: u64,
    passes_done: u64,
    /// Passes wait until then after a failure (unless dirty).
    retry_at: Option<Instant>,
    /// A `sync` is waiting: start the pass now, without gathering.
    urgent: bool,
    backoff: Duration,
}

struct Shared {
    items: Arc<dyn Items>,
    state: Mutex<State>,
    wake: Condvar,
}

pub struct Uploader {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Uploader {
    /// Starts the thread, which begins with a pass over whatever an earlier run left queued.
    pub fn start(items: Arc<dyn Items>) -> Uploader {
        let pending = items.pending().map(|l| l.len() as u64).unwrap_or(0);
        let state = State {
            status: RemoteStatus { pending, ..Default::default() },
            dirty: true,
            stop: false,
            passes_started: 0,
            passes_done: 0,
            retry_at: None,
            urgent: false,
            backoff: BACKOFF_FIRST,
        };
        let shared = Arc::new(Shared { items, state: Mutex::new(state), wake: Condvar::new() });
        let s = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("nerve-store-upload".into())
            .spawn(move || {
                crate::core::priority::lowest_priority();
                run(&s)
            })
            .expect("the uploader thread starts");
        Uploader { shared, thread: Some(thread) }
    }

    /// Queues `name`, then wakes the thread.
    pub fn enqueue(&self, name: &str) -> Result<()> {
        self.shared.items.add(name)?;
        let mut st = lock(&self.shared.state);
        st.status.pending += 1;
        st.dirty = true;
        self.shared.wake.notify_all();
        Ok(())
    }

    pub fn status(&self) -> RemoteStatus {
        lock(&self.shared.state).status.clone()
    }

    /// Waits for a full pass that started after this call (or for the uploader to stop).
    pub fn sync(&self) -> RemoteStatus {
        let mut st = lock(&self.shared.state);
        let target = st.passes_started + 1;
        st.dirty = true;
        st.urgent = true;
        st.retry_at = None;
        self.shared.wake.notify_all();
        while st.passes_done < target && !st.stop {
            st = self.shared.wake.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.status.clone()
    }
}

impl Drop for Uploader {
    /// Asks the thread to stop after the uploads in flight and does not wait for it: a close must
    /// not wait on the network. What is left queued is picked up on the next open.
    fn drop(&mut self) {
        let mut st = lock(&self.shared.state);
        st.stop = true;
        self.shared.wake.notify_all();
        drop(st);
        drop(self.thread.take());
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn run(shared: &Shared) {
    loop {
        {
            let mut st = lock(&shared.state);
            loop {
                if st.stop {
                    return;
                }
                let due = st.retry_at.is_none_or(|t| Instant::now() >= t);
                if (st.dirty || st.retry_at.is_some()) && due {
                    if st.urgent || st.retry_at.is_some() {
                        break;
                    }
                    // Woken by a write: gather what follows it for a moment (a sync cuts it short).
                    let until = Instant::now() + GATHER;
                    while !st.urgent && !st.stop && Instant::now() < until {
                        st = shared.wake.wait_timeout(st, until.saturating_duration_since(Instant::now())).unwrap().0;
                    }
                    break;
                }
                st = match st.retry_at {
                    Some(t) => shared.wake.wait_timeout(st, t.saturating_duration_since(Instant::now())).unwrap().0,
                    None => shared.wake.wait(st).unwrap_or_else(|p| p.into_inner()),
                };
            }
            st.dirty = false;
            st.urgent = false;
            st.passes_started += 1;
        }
        let (done, failures, pending, changed) = pass(shared);
        let mut st = lock(&shared.state);
        st.dirty |= changed;
        st.status.uploaded += done;
        st.status.failed = failures.len() as u64;
        st.status.pending = pending;
        match failures.into_iter().last() {
            Some(e) => {
                st.status.last_error = Some(e);
                st.retry_at = Some(Instant::now() + st.backoff);
                st.backoff = (st.backoff * 2).min(BACKOFF_MAX);
            }
            None => {
                st.status.last_error = None;
                st.retry_at = None;
                st.backoff = BACKOFF_FIRST;
            }
        }
        st.passes_done += 1;
        shared.wake.notify_all();
    }
}

/// One pass: (items verified, failures, items still queued, whether an item changed while sent).
fn pass(shared: &Shared) -> (u64, Vec<Error>, u64, bool) {
    let items = &shared.items;
    if let Err(e) = items.refresh() {
        return (0, vec![e], 0, false);
    }
    let names = match items.pending() {
        Ok(n) => n,
        Err(e) => return (0, vec![e], 0, false),
    };
    let results: Vec<Result<bool>> = runtime::block_on_unbounded(async {
        stream::iter(names.iter())
            .map(|name| async move {
                if items.upload(name).await? {
                    items.done(name)?;
                    Ok(true)
                } else {
                    Ok(false)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await
    });
    let done = results.iter().filter(|r| matches!(r, Ok(true))).count() as u64;
    let changed = results.iter().any(|r| matches!(r, Ok(false)));
    let mut failures: Vec<Error> = results.into_iter().filter_map(|r| r.err()).collect();
    if let Err(e) = items.pass_done() {
        failures.push(e);
    }
    let pending = items.pending().map(|l| l.len() as u64).unwrap_or(failures.len() as u64);
    (done, failures, pending, changed)
}

#[cfg(test)]
mod tests {
    use super::super::queue::Queue;
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Fails every upload until `fail_until` attempts were made, and records what it sent.
    struct Fake {
        queue: Queue,
        attempts: AtomicUsize,
        fail_until: usize,
        sent: Mutex<Vec<String>>,
    }

    impl Items for Fake {
        fn add(&self, name: &str) -> Result<()> {
            self.queue.add(name)
        }
        fn pending(&self) -> Result<Vec<String>> {
            self.queue.list()
        }
        fn done(&self, name: &str) -> Result<()> {
            self.queue.remove(name)
        }
        fn upload<'a>(&'a self, name: &'a str) -> Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>> {
            Box::pin(async move {
                if self.attempts.fetch_add(1, Ordering::SeqCst) < self.fail_until {
                    return Err(Error::coded("ERR_REMOTE_UNAVAILABLE", "down".into()));
                }
                self.sent.lock().unwrap().push(name.to_owned());
                Ok(true)
            })
        }
    }

    fn fake(dir: &std::path::Path, fail_until: usize) -> Arc<Fake> {
        Arc::new(Fake {
            queue: Queue::new(dir.join("pending")),
            attempts: AtomicUsize::new(0),
            fail_until,
            sent: Mutex::new(Vec::new()),
        })
    }

    #[test]
    fn sync_covers_everything_queued_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let items = fake(dir.path(), 0);
        let up = Uploader::start(Arc::clone(&items) as Arc<dyn Items>);
        for i in 0..50 {
            up.enqueue(&format!("item{i:02}")).unwrap();
        }
        let s = up.sync();
        assert_eq!((s.pending, s.failed, s.uploaded), (0, 0, 50));
        assert!(s.last_error.is_none());
        assert!(items.queue.list().unwrap().is_empty());
        let mut sent = items.sent.lock().unwrap().clone();
        sent.sort();
        sent.dedup();
        assert_eq!(sent.len(), 50);
    }

    #[test]
    fn failures_stay_queued_and_a_later_sync_retries_them() {
        let dir = tempfile::tempdir().unwrap();
        let items = fake(dir.path(), 3);
        let up = Uploader::start(Arc::clone(&items) as Arc<dyn Items>);
        for name in ["a", "b", "c"] {
            up.enqueue(name).unwrap();
        }
        let s = up.sync();
        assert_eq!(s.last_error.as_ref().map(|e| e.code), Some("ERR_REMOTE_UNAVAILABLE"));
        assert!(s.pending >= 1 && s.failed >= 1);
        // A sync does not wait out the backoff.
        let t = Instant::now();
        let s = up.sync();
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!((s.pending, s.failed), (0, 0));
        assert!(s.last_error.is_none());
    }

    #[test]
    fn the_queue_survives_the_uploader() {
        let dir = tempfile::tempdir().unwrap();
        let down = fake(dir.path(), usize::MAX);
        {
            let up = Uploader::start(Arc::clone(&down) as Arc<dyn Items>);
            up.enqueue("kept").unwrap();
            assert_eq!(up.sync().pending, 1);
        }
        let items = fake(dir.path(), 0);
        let up = Uploader::start(Arc::clone(&items) as Arc<dyn Items>);
        assert_eq!(up.status().pending, 1);
        assert_eq!(up.sync().pending, 0);
        assert_eq!(*items.sent.lock().unwrap(), vec!["kept".to_owned()]);
    }
}
