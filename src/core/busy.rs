//! Waiting for another connection's lock.
//!
//! SQLite's own busy timeout sleeps 1, 2, 5, ... ms and then 100 ms between tries. A writer that
//! commits back to back (a group commit under load, an archive moving many days, a busy worker
//! process) lets go of the write lock for well under a millisecond between transactions, so a
//! waiter that only looks every 100 ms almost never sees it free and fails with "database is
//! locked" once the timeout is up, however short each transaction was. Looking often is cheap (a
//! try is a few system calls), so this handler never sleeps longer than [`MAX_PAUSE`].

use rusqlite::Connection;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest pause between two tries.
const MAX_PAUSE: Duration = Duration::from_micros(500);

thread_local! {
    /// When the current wait began. SQLite calls the handler on the thread that runs the
    /// statement, with `count == 0` for the first try of each wait, and one thread runs one
    /// statement at a time.
    static WAIT_START: Cell<Option<Instant>> = const { Cell::new(None) };
}

fn handler(count: i32) -> bool {
    let now = Instant::now();
    let start = WAIT_START.with(|s| {
        if count == 0 || s.get().is_none() {
            s.set(Some(now));
        }
        s.get().unwrap_or(now)
    });
    if now.duration_since(start) >= BUSY_TIMEOUT {
        return false;
    }
    // 20 us, 40 us, ... up to MAX_PAUSE: short waits stay short, long ones keep looking often.
    let pause = Duration::from_micros(20u64 << count.clamp(0, 5) as u32).min(MAX_PAUSE);
    std::thread::sleep(pause);
    true
}

/// Makes `conn` wait up to [`BUSY_TIMEOUT`] for locks, trying every [`MAX_PAUSE`] at most.
pub fn wait_for_locks(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_handler(Some(handler))
}
