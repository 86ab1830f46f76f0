//! Group commit: appends submitted while a commit is on its way to disk wait for it, then go
//! together in the next transaction, so N appends in flight cost one fsync instead of N.
//!
//! One writer thread owns the batching. It takes what is queued, appends it with
//! `LogStore::append_group` under the store's lock, and only then answers each submitter, so an
//! answer always means the row is durable (or that this entry, or the whole commit, failed).

use super::log_store::{lock, NewEntry, SharedStore};
use super::{Error, Result};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Most entries one transaction takes; a longer queue is committed in several.
const MAX_GROUP: usize = 4096;
/// A group keeps taking entries while they keep coming at least this often. Callers settle a
/// commit's promises in one go and often append again at once; without the wait the next
/// transaction would leave with the first of those entries alone.
const GAP: Duration = Duration::from_micros(50);
/// And never waits longer than this for more.
const MAX_WAIT: Duration = Duration::from_millis(1);

/// Told, after each commit, the outcome of every entry in it: `(sequence number, id or error)`.
pub type BatchSink = Box<dyn Fn(Vec<(u64, Result<i64>)>) + Send>;

pub struct GroupCommit {
    queue: Option<Sender<(u64, NewEntry)>>,
    writer: Option<JoinHandle<()>>,
    next_seq: u64,
}

impl GroupCommit {
    pub fn start(store: SharedStore, sink: BatchSink) -> Result<Self> {
        let (queue, jobs) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("nerve-store-group-commit".into())
            .spawn(move || write_loop(&store, &jobs, &sink))
            .map_err(|e| Error::io_fd(e, "spawn"))?;
        Ok(GroupCommit { queue: Some(queue), writer: Some(writer), next_seq: 0 })
    }

    /// Checks the entry, queues it and returns its sequence number, by which the sink reports it.
    pub fn submit(&mut self, entry: NewEntry) -> Result<u64> {
        entry.validate()?;
        let seq = self.next_seq;
        let sent = self.queue.as_ref().is_some_and(|q| q.send((seq, entry)).is_ok());
        if !sent {
            return Err(Error::invalid_state("database is not open"));
        }
        self.next_seq += 1;
        Ok(seq)
    }

    /// Commits everything already submitted, then stops the writer.
    pub fn shutdown(&mut self) {
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn write_loop(store: &SharedStore, jobs: &Receiver<(u64, NewEntry)>, sink: &BatchSink) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        let deadline = Instant::now() + MAX_WAIT;
        while group.len() < MAX_GROUP {
            let job = match jobs.try_recv() {
                Ok(job) => job,
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match jobs.recv_timeout(GAP.min(left)) {
                        Ok(job) => job,
                        Err(_) => break,
                    }
                }
            };
            group.push(job);
        }
        let (seqs, entries): (Vec<u64>, Vec<NewEntry>) = group.into_iter().unzip();
        let results = {
            let mut guard = lock(store);
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guard.append_group(&entries)))
                .unwrap_or_else(|_| entries.iter().map(|_| Err(Error::internal("group commit panicked"))).collect())
        };
        sink(seqs.into_iter().zip(results).collect());
    }
}
