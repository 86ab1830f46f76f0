//! Read-only figures about a database for the `nerve-store` command: row counts, the days the
//! rows cover, runs by status, and SQLite's own `integrity_check`. Each call opens its own
//! connection to an existing file and changes nothing in it.

use super::connection::open_existing;
use super::sql::{self, transaction};
use super::Result;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

const DAY_MS: f64 = 86_400_000.0;

/// What `store_stats` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreStats {
    /// Rows in `logs`.
    pub rows: i64,
    /// Smallest and largest `timestamp` (ms), `None` when there are no rows.
    pub first_timestamp: Option<f64>,
    pub last_timestamp: Option<f64>,
    /// Distinct UTC days that hold at least one row.
    pub days: i64,
    /// `(status, count)` over `workflow_runs`, by status name.
    pub runs_by_status: Vec<(String, i64)>,
    /// `(workflow, count)` over `workflow_runs`, by workflow name.
    pub runs_by_workflow: Vec<(String, i64)>,
    pub page_size: i64,
    pub page_count: i64,
    pub freelist_count: i64,
}

fn day_start(ts: f64) -> f64 {
    (ts / DAY_MS).floor() * DAY_MS
}

fn grouped(conn: &Connection, sql: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Counts for the database at `path`. Days are counted by walking the timestamp index one day
/// at a time, so the cost grows with the number of days, not rows.
pub fn store_stats(path: &Path) -> Result<StoreStats> {
    let conn = open_existing(path)?;
    transaction::snapshot(&conn, counts)
}

fn counts(tx: &Connection) -> Result<StoreStats> {
    let (rows, first, last): (i64, Option<f64>, Option<f64>) =
        tx.query_row(sql::LOG_SPAN, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let mut days = 0;
    if let (Some(first), Some(last)) = (first, last) {
        let mut stmt = tx.prepare(sql::NEXT_TIMESTAMP_FROM)?;
        let mut next = Some(first);
        while let Some(ts) = next {
            days += 1;
            let end = day_start(ts) + DAY_MS;
            if end > last {
                break;
            }
            next = stmt.query_row([end], |r| r.get::<_, Option<f64>>(0)).optional()?.flatten();
        }
    }
    let runs_by_status = grouped(tx, sql::RUNS_BY_STATUS)?;
    let runs_by_workflow = grouped(tx, sql::RUNS_BY_WORKFLOW)?;
    let page_size = tx.query_row(sql::PAGE_SIZE, [], |r| r.get(0))?;
    let page_count = tx.query_row(sql::PAGE_COUNT, [], |r| r.get(0))?;
    let freelist_count = tx.query_row(sql::FREELIST_COUNT, [], |r| r.get(0))?;
    Ok(StoreStats {
        rows,
        first_timestamp: first,
        last_timestamp: last,
        days,
        runs_by_status,
        runs_by_workflow,
        page_size,
        page_count,
        freelist_count,
    })
}

/// `PRAGMA integrity_check` on the database at `path`: `["ok"]` when it is sound, otherwise
/// SQLite's list of problems.
pub fn integrity_check(path: &Path) -> Result<Vec<String>> {
    let conn = open_existing(path)?;
    let mut stmt = conn.prepare(sql::INTEGRITY_CHECK)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
