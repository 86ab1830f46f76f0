// A writer that commits back to back must not starve another connection's write: the waiter has
// to catch the short moments between the other's transactions within the busy timeout.
use nerve_store::core::{LogStore, NewEntry};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn entry() -> NewEntry {
    NewEntry { source: "s".into(), kind: "t".into(), ref_id: None, payload: None, timestamp: 1.0 }
}

const TRIES: usize = 10;

#[test]
fn a_write_gets_in_between_back_to_back_transactions_of_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    LogStore::open(&path).unwrap().close().unwrap();
    let hog = rusqlite::Connection::open(&path).unwrap();
    let waiter = LogStore::open(&path).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let hog_stop = stop.clone();
    // Holds the write lock 150 ms at a time and lets go of it for 2 ms: 99% of the time locked,
    // as a group commit or an archive under load can be. SQLite's own busy timeout, looking every
    // 100 ms, sees the lock free less than once in fifty tries.
    let hog_thread = std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(90);
        while !hog_stop.load(Ordering::Relaxed) && Instant::now() < until {
            hog.execute_batch("BEGIN IMMEDIATE").unwrap();
            std::thread::sleep(Duration::from_millis(150));
            hog.execute_batch("INSERT INTO logs (source, type, timestamp) VALUES ('hog', 't', 1); COMMIT").unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    std::thread::sleep(Duration::from_millis(50));
    let mut outcomes = Vec::new();
    for _ in 0..TRIES {
        // Let the other connection take the lock again, so each try starts while it is held.
        std::thread::sleep(Duration::from_millis(20));
        let started = Instant::now();
        outcomes.push((waiter.append(&entry()).map_err(|e| e.message), started.elapsed()));
    }
    stop.store(true, Ordering::Relaxed);
    hog_thread.join().unwrap();
    for (r, waited) in &outcomes {
        assert!(r.is_ok(), "append failed after {waited:?}: {r:?}");
    }
    // Each try should get in at the next gap, about one hold (150 ms) away. Looking every 100 ms,
    // a try waits seconds on average; these ten would take far longer than this in all.
    let total: Duration = outcomes.iter().map(|(_, w)| *w).sum();
    assert!(total < Duration::from_secs(5), "{TRIES} writes waited {total:?} in all: {outcomes:?}");
}
