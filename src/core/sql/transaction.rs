//! Transactions and savepoints. The statements come from the statement cache: parsing BEGIN and
//! COMMIT anew was a measurable part of a small write.

use crate::core::Result;
use rusqlite::Connection;

const BEGIN_IMMEDIATE: &str = "BEGIN IMMEDIATE";
/// A deferred transaction: a read snapshot until the first write.
const BEGIN: &str = "BEGIN";
const COMMIT: &str = "COMMIT";
const ROLLBACK: &str = "ROLLBACK";

/// Every archived day's savepoint has this one name, so the SQL text is fixed and never carries a
/// number; see [`rollback_to_savepoint`].
const SAVEPOINT: &str = "SAVEPOINT archive_day";
const RELEASE: &str = "RELEASE archive_day";
const ROLLBACK_TO: &str = "ROLLBACK TO archive_day";

fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// `BEGIN IMMEDIATE`: takes the write lock now, so the transaction cannot fail later for want of it.
pub fn begin_immediate(conn: &Connection) -> rusqlite::Result<()> {
    run(conn, BEGIN_IMMEDIATE)
}

pub fn commit(conn: &Connection) -> rusqlite::Result<()> {
    run(conn, COMMIT)
}

/// Rolls back whatever transaction is open; nothing when SQLite already rolled it back itself.
pub fn rollback(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch(ROLLBACK);
    }
}

/// `f` inside `BEGIN IMMEDIATE` ... `COMMIT`, rolled back if it fails.
pub fn immediate<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    begin_immediate(conn)?;
    finish(conn, f(conn))
}

/// `f` inside one read snapshot (a deferred transaction), so several statements see one state.
pub fn snapshot<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    run(conn, BEGIN)?;
    finish(conn, f(conn))
}

fn finish<T>(conn: &Connection, result: Result<T>) -> Result<T> {
    let result = result.and_then(|v| {
        commit(conn)?;
        Ok(v)
    });
    if result.is_err() {
        rollback(conn);
    }
    result
}

/// Opens one more (nested) savepoint.
pub fn savepoint(conn: &Connection) -> rusqlite::Result<()> {
    run(conn, SAVEPOINT)
}

/// Undoes savepoint `n` (0-based) and every one after it, `open` of them being open. `ROLLBACK TO`
/// acts on the newest savepoint of the name, so the newer ones are first released into `n`.
pub fn rollback_to_savepoint(conn: &Connection, open: usize, n: usize) -> rusqlite::Result<()> {
    for _ in n + 1..open {
        run(conn, RELEASE)?;
    }
    run(conn, ROLLBACK_TO)
}
