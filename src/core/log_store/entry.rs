//! Log rows: the entry to insert and its checks, the row as SQLite holds it, and the appends.

use super::{LogStore, Member};
use crate::core::js_value::{js_number, sqlite_value};
use crate::core::sql::{self, transaction};
use crate::core::utc_day::MAX_TIME_MS;
use crate::core::{Error, Result};
use rusqlite::types::Value;
use rusqlite::{params, Connection};

/// A log row to insert. Numbers are kept as `f64` and bound as REAL, exactly as node:sqlite binds
/// every JavaScript number; SQLite's INTEGER affinity then stores integral values as integers.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub source: String,
    pub kind: String,
    pub ref_id: Option<String>,
    pub payload: Option<String>,
    pub timestamp: f64,
}

/// A row as SQLite holds it; columns keep their storage class so the N-API layer can produce the
/// same JavaScript values node:sqlite would.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    pub id: Value,
    pub source: Value,
    pub kind: Value,
    pub ref_id: Value,
    pub payload: Value,
    pub timestamp: Value,
}

impl LogRow {
    /// The row's columns, selected in `sql::log_columns!` order.
    pub fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self::from_refs([
            row.get_ref(0)?,
            row.get_ref(1)?,
            row.get_ref(2)?,
            row.get_ref(3)?,
            row.get_ref(4)?,
            row.get_ref(5)?,
        ]))
    }

    /// The row from its columns in the same order.
    pub fn from_refs(cols: [rusqlite::types::ValueRef<'_>; 6]) -> Self {
        let [id, source, kind, ref_id, payload, timestamp] = cols.map(sqlite_value);
        LogRow { id, source, kind, ref_id, payload, timestamp }
    }
}

/// A time in ms that `Date` can hold (and the archive can place on a UTC day).
pub(crate) fn check_time(arg: &str, t: f64) -> Result<()> {
    if t.is_finite() && t.abs() <= MAX_TIME_MS {
        Ok(())
    } else {
        Err(Error::out_of_range(arg, "a finite number of milliseconds within ±8.64e15", &js_number(t)))
    }
}

impl NewEntry {
    /// Rejects rows the archive could never place on a UTC day (non-finite or beyond `Date`'s
    /// range), naming the entry `name` (`entry`, `entries[3]`) in the message.
    pub fn validate_as(&self, name: &str) -> Result<()> {
        check_time(&format!("{name}.timestamp"), self.timestamp)
    }

    pub fn validate(&self) -> Result<()> {
        self.validate_as("entry")
    }
}

pub(crate) fn insert(conn: &Connection, e: &NewEntry) -> Result<i64> {
    conn.prepare_cached(sql::INSERT_LOG)?.execute(params![e.source, e.kind, e.ref_id, e.payload, e.timestamp])?;
    Ok(conn.last_insert_rowid())
}

impl LogStore {
    /// Inserts one row in its own (autocommit) transaction and returns its id.
    pub fn append(&self, entry: &NewEntry) -> Result<i64> {
        let conn = self.stmt_conn()?;
        self.check_writable(Member::Append)?;
        entry.validate()?;
        insert(conn, entry)
    }

    /// Inserts every entry in one `BEGIN IMMEDIATE` transaction: all of them or, on any error,
    /// none. Entries are checked before anything is written; errors name them (`entries[3]`).
    pub fn append_many(&mut self, entries: &[NewEntry]) -> Result<Vec<i64>> {
        self.check_writable(Member::AppendMany)?;
        let conn = self.db_conn()?;
        for (i, e) in entries.iter().enumerate() {
            if e.validate().is_err() {
                e.validate_as(&format!("entries[{i}]"))?;
            }
        }
        transaction::immediate(conn, |tx| entries.iter().map(|e| insert(tx, e)).collect::<Result<Vec<_>>>())
    }

    /// One group commit: every entry (checked when it was submitted) in one transaction and one
    /// fsync, each with its own outcome. A failing entry fails alone; a failure of the transaction
    /// itself (BEGIN, COMMIT, or an error that made SQLite roll back) fails every entry, since none
    /// of them is durable.
    pub(crate) fn append_group(&mut self, entries: &[NewEntry]) -> Vec<Result<i64>> {
        let fail_all = |e: Error| entries.iter().map(|_| Err(e.clone())).collect();
        let conn = match self.db_conn() {
            Ok(c) => c,
            Err(e) => return fail_all(e),
        };
        if let Err(e) = transaction::begin_immediate(conn) {
            return fail_all(e.into());
        }
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            match insert(conn, e) {
                Err(e) if conn.is_autocommit() => return fail_all(e),
                r => out.push(r),
            }
        }
        if let Err(e) = transaction::commit(conn) {
            transaction::rollback(conn);
            return fail_all(e.into());
        }
        out
    }
}
