//! The append-only log table, the `meta` key-value table and the `workflow_runs` view, on one
//! SQLite connection in WAL mode with SQLite's default (FULL) synchronous durability.

use super::js_json::{self, sqlite_text, sqlite_value, MAX_SAFE_INTEGER};
use super::schema;
use super::utc_day::MAX_TIME_MS;
use super::query_plan;
use super::thread::RoundCache;
use super::{Error, Result};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use super::busy::BUSY_TIMEOUT;

// node:sqlite's wording for calls on a closed database: prepared statements report
// "finalized", calls that prepare or exec anew report "not open".
const STMT_CLOSED: &str = "statement has been finalized";
const DB_CLOSED: &str = "database is not open";

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

/// The 8 states of a workflow run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowRunStatus {
    Queued,
    Started,
    Completed,
    Failed,
    Crashed,
    Dropped,
    Interrupted,
    Killed,
}

impl WorkflowRunStatus {
    pub const ALL: [WorkflowRunStatus; 8] = [
        Self::Queued,
        Self::Started,
        Self::Completed,
        Self::Failed,
        Self::Crashed,
        Self::Dropped,
        Self::Interrupted,
        Self::Killed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Crashed => "crashed",
            Self::Dropped => "dropped",
            Self::Interrupted => "interrupted",
            Self::Killed => "killed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A workflow run to upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct RunUpdate {
    pub run_id: String,
    pub workflow: String,
    pub status: WorkflowRunStatus,
    pub timestamp: f64,
    pub exit_code: Option<f64>,
}

/// A query filter. For each field `None` means "not given"; `Some(None)` is an explicit `null`,
/// which (as `col = NULL` in SQL) matches no row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogQuery {
    pub source: Option<Option<String>>,
    pub kind: Option<Option<String>>,
    pub ref_id: Option<Option<String>>,
    pub since: Option<Option<f64>>,
    pub until: Option<Option<f64>>,
    /// Negative means no limit, as in SQLite; anything but a safe integer is refused (see
    /// [`check_limit`]).
    pub limit: Option<f64>,
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

#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRunRow {
    pub run_id: Value,
    pub workflow: Value,
    pub status: WorkflowRunStatus,
    pub timestamp: Value,
    pub exit_code: Value,
}

pub struct LogStore {
    conn: Option<Connection>,
    path: PathBuf,
    /// See [`LogStore::generation`].
    generation: u64,
    data_version: i64,
    pub(crate) round_cache: RoundCache,
}

fn check_time(arg: &str, t: f64) -> Result<()> {
    if t.is_finite() && t.abs() <= MAX_TIME_MS {
        Ok(())
    } else {
        Err(Error::out_of_range(arg, "a finite number of milliseconds within ±8.64e15", &js_number(t)))
    }
}

/// A query limit as the row count SQLite binds: a safe integer, where a negative one means no
/// limit. The reference splices `${limit}` into its SQL text, so 1.5 or NaN fail there with a
/// SQLite syntax or datatype error; here they are refused by name and the limit is always bound.
pub fn check_limit(limit: f64) -> Result<i64> {
    if limit.is_finite() && limit.fract() == 0.0 && limit.abs() <= MAX_SAFE_INTEGER as f64 {
        Ok(if limit < 0.0 { -1 } else { limit as i64 })
    } else {
        Err(Error::out_of_range("filter.limit", "a safe integer (negative for no limit)", &js_number(limit)))
    }
}

fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        let mut s = String::new();
        js_json::write_number(&mut s, n);
        s
    }
}

impl NewEntry {
    /// Rejects rows the archive could never place on a UTC day (non-finite or beyond `Date`'s range).
    pub fn validate(&self) -> Result<()> {
        self.validate_as("entry")
    }

    /// As [`NewEntry::validate`], naming the entry `name` (`entries[3]`) in the message.
    pub fn validate_as(&self, name: &str) -> Result<()> {
        check_time(&format!("{name}.timestamp"), self.timestamp)
    }
}

impl RunUpdate {
    pub fn validate(&self) -> Result<()> {
        check_time("run.timestamp", self.timestamp)?;
        if let Some(c) = self.exit_code {
            // Larger integers would be stored but could never be read back as a JS number.
            if !c.is_finite() || (c.fract() == 0.0 && c.abs() > MAX_SAFE_INTEGER as f64) {
                return Err(Error::out_of_range("run.exitCode", "a finite safe number or null", &js_number(c)));
            }
        }
        Ok(())
    }
}

/// `${value}` in JavaScript for a value node:sqlite read.
pub fn js_display(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "null".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => js_number(f),
        ValueRef::Text(t) => sqlite_text(t).into_owned(),
        ValueRef::Blob(b) => b.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
    }
}

pub fn row_to_log(row: &rusqlite::Row<'_>) -> rusqlite::Result<LogRow> {
    Ok(LogRow {
        id: sqlite_value(row.get_ref(0)?),
        source: sqlite_value(row.get_ref(1)?),
        kind: sqlite_value(row.get_ref(2)?),
        ref_id: sqlite_value(row.get_ref(3)?),
        payload: sqlite_value(row.get_ref(4)?),
        timestamp: sqlite_value(row.get_ref(5)?),
    })
}

fn row_to_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<WorkflowRunRow>> {
    let status = match row.get_ref(2)? {
        ValueRef::Text(t) => WorkflowRunStatus::parse(&sqlite_text(t)),
        _ => None,
    };
    let Some(status) = status else {
        return Ok(Err(Error::invalid_workflow_status(&js_display(row.get_ref(2)?))));
    };
    Ok(Ok(WorkflowRunRow {
        run_id: sqlite_value(row.get_ref(0)?),
        workflow: sqlite_value(row.get_ref(1)?),
        status,
        timestamp: sqlite_value(row.get_ref(3)?),
        exit_code: sqlite_value(row.get_ref(4)?),
    }))
}

/// Process-wide SQLite settings, applied once before the library initializes.
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Memory statistics cost a global mutex on every SQLite allocation, and nothing here
        // reads them. Too late (SQLITE_MISUSE) if the library was already initialized; harmless.
        // SAFETY: sqlite3_config before sqlite3_initialize, with the argument MEMSTATUS expects.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int);
        }
    });
}

impl LogStore {
    /// Opens (creating if needed) the database at `path`, its parent directory included.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        configure_sqlite();
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(e, "mkdir", parent))?;
        }
        // No SQLITE_OPEN_URI: node:sqlite treats "file:..." as a plain file name, and so do we.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| match e {
            // rusqlite appends ": <path>" to open failures; node:sqlite reports sqlite3_errmsg alone.
            rusqlite::Error::SqliteFailure(code, Some(msg)) => {
                let suffix = format!(": {}", path.to_string_lossy());
                let msg = msg.strip_suffix(&suffix).map_or(msg.clone(), str::to_owned);
                rusqlite::Error::SqliteFailure(code, Some(msg))
            }
            other => other,
        })?;
        super::busy::wait_for_locks(&conn)?;
        conn.set_prepared_statement_cache_capacity(32);
        enable_wal(&conn)?;
        // A connection setting, not stored in the file. SQLite's default (2 MiB) holds a tenth of
        // a 100k-row table, so every index-driven read paid a read(2) per row; pages are only
        // allocated as they are used.
        conn.execute_batch(schema::CACHE_SIZE)?;
        conn.execute_batch(schema::SCHEMA)?;
        let _ = conn.execute(schema::ADD_EXIT_CODE, []);
        let data_version = conn.query_row(schema::DATA_VERSION, [], |r| r.get(0))?;
        Ok(LogStore { conn: Some(conn), path, generation: 0, data_version, round_cache: RoundCache::default() })
    }

    /// A number that stays the same for as long as the only changes to `logs` are this
    /// connection's appends (which only add rows with higher ids). A commit by any other
    /// connection, or this store's own archive, moves it on. The thread caches hang off it.
    pub fn generation(&mut self) -> Result<u64> {
        let conn = self.stmt_conn()?;
        let dv: i64 = conn.prepare_cached(schema::DATA_VERSION)?.query_row([], |r| r.get(0))?;
        if dv != self.data_version {
            self.data_version = dv;
            self.generation += 1;
        }
        Ok(self.generation)
    }

    /// Called after this connection deleted or rewrote rows.
    pub(crate) fn rows_changed(&mut self) {
        self.generation += 1;
        self.round_cache.clear();
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<dir of the database>/archive/logs`, where `archive_logs` writes by default.
    pub fn default_archive_dir(&self) -> PathBuf {
        self.path.parent().unwrap_or(Path::new("")).join("archive").join("logs")
    }

    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    /// Fails the way a prepared statement of a closed database fails in node:sqlite.
    pub fn check_statements(&self) -> Result<()> {
        self.stmt_conn().map(|_| ())
    }

    /// Fails the way preparing or executing SQL on a closed database fails in node:sqlite.
    pub fn check_database(&self) -> Result<()> {
        self.conn.as_ref().map(|_| ()).ok_or_else(|| Error::invalid_state(DB_CLOSED))
    }

    pub(crate) fn stmt_conn(&self) -> Result<&Connection> {
        self.conn.as_ref().ok_or_else(|| Error::invalid_state(STMT_CLOSED))
    }

    pub(crate) fn db_conn(&mut self) -> Result<&mut Connection> {
        self.conn.as_mut().ok_or_else(|| Error::invalid_state(DB_CLOSED))
    }

    /// Inserts one row in its own (autocommit) transaction and returns its id.
    pub fn append(&self, entry: &NewEntry) -> Result<i64> {
        let conn = self.stmt_conn()?;
        entry.validate()?;
        insert(conn, entry)
    }

    pub fn query(&mut self, q: &LogQuery) -> Result<Vec<LogRow>> {
        let mut out = Vec::new();
        self.query_each(q, |row| {
            out.push(row_to_log(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs the query and hands each row (columns as in [`LogRow`]) to `f` without copying it.
    pub fn query_each(&mut self, q: &LogQuery, mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<()>) -> Result<()> {
        let conn = self.db_conn()?;
        let mut conds: Vec<&str> = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        let mut add = |cond: &'static str, v: Value| {
            conds.push(cond);
            args.push(v);
        };
        let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
        let num = |v: &Option<f64>| v.map_or(Value::Null, Value::Real);
        if let Some(v) = &q.source {
            add("source = ?", text(v));
        }
        if let Some(v) = &q.kind {
            add("type = ?", text(v));
        }
        if let Some(v) = &q.ref_id {
            add("ref_id = ?", text(v));
        }
        if let Some(v) = &q.since {
            add("timestamp >= ?", num(v));
        }
        if let Some(v) = &q.until {
            add("timestamp <= ?", num(v));
        }
        let limit = q.limit.map(check_limit).transpose()?;
        if query_plan::applies(q) {
            // Negative (no limit) becomes u64::MAX rows.
            let row_limit = limit.map_or(u64::MAX, |l| u64::try_from(l).unwrap_or(u64::MAX));
            // One snapshot for the index scans and the reads by id.
            let tx = conn.transaction()?;
            if let Some(ids) = query_plan::candidate_ids(&tx, q)? {
                let sql = format!("SELECT id, source, type, ref_id, payload, timestamp FROM logs WHERE id = ? AND {}", conds.join(" AND "));
                let mut stmt = tx.prepare_cached(&sql)?;
                let mut taken = 0;
                for id in ids {
                    if taken >= row_limit {
                        break;
                    }
                    let mut rows = stmt.query(rusqlite::params_from_iter(std::iter::once(&Value::Integer(id)).chain(args.iter())))?;
                    if let Some(row) = rows.next()? {
                        f(row)?;
                        taken += 1;
                    }
                }
                drop(stmt);
                tx.commit()?;
                return Ok(());
            }
            tx.commit()?;
        }
        let mut sql = String::from("SELECT id, source, type, ref_id, payload, timestamp FROM logs");
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        sql.push_str(" ORDER BY id ASC");
        if let Some(limit) = limit {
            // Bound, but behind a scalar subquery: SQLite plans a bare `LIMIT ?` with the bound value,
            // so every new binding of it re-prepares the statement on the next step (about 5 us a
            // call, a third of a `limit: 1` query). The subquery runs once per call.
            sql.push_str(" LIMIT (SELECT ?)");
            args.push(Value::Integer(limit));
        }
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            f(row)?;
        }
        Ok(())
    }

    /// Inserts every entry in one `BEGIN IMMEDIATE` transaction: all of them or, on any error,
    /// none. Entries are checked before anything is written.
    pub fn append_many(&mut self, entries: &[NewEntry]) -> Result<Vec<i64>> {
        let conn = self.db_conn()?;
        for e in entries {
            e.validate()?;
        }
        immediate(conn, |tx| entries.iter().map(|e| insert(tx, e)).collect::<Result<Vec<_>>>())
    }

    /// One group commit: every entry in one transaction and one fsync, each with its own
    /// outcome. A bad entry fails alone; a failure of the transaction itself (BEGIN, COMMIT, or
    /// an error that made SQLite roll back) fails every entry, since none of them is durable.
    pub fn append_group(&mut self, entries: &[NewEntry]) -> Vec<Result<i64>> {
        let fail_all = |e: Error| entries.iter().map(|_| Err(e.clone())).collect();
        let conn = match self.db_conn() {
            Ok(c) => c,
            Err(e) => return fail_all(e),
        };
        if let Err(e) = conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut s| s.execute([])) {
            return fail_all(e.into());
        }
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let r = e.validate().and_then(|()| insert(conn, e));
            if r.is_err() && conn.is_autocommit() {
                let e = r.unwrap_err();
                return fail_all(e);
            }
            out.push(r);
        }
        if let Err(e) = conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([])) {
            let _ = conn.execute_batch("ROLLBACK");
            return fail_all(e.into());
        }
        out
    }

    /// The value as JavaScript's `String(value)` shows it (what the reference's archive checks).
    pub fn get_meta(&self, key: &str) -> Result<Option<String>> {
        Ok(match self.get_meta_value(key)? {
            None | Some(Value::Null) => None,
            Some(Value::Text(s)) => Some(s),
            Some(other) => Some(js_display((&other).into())),
        })
    }

    /// The stored value as node:sqlite reads it: another writer can leave a BLOB in `meta.value`,
    /// which the reference's `getMeta` returns as a Uint8Array.
    pub fn get_meta_value(&self, key: &str) -> Result<Option<Value>> {
        let conn = self.stmt_conn()?;
        Ok(conn
            .prepare_cached(schema::GET_META)?
            .query_row([key], |r| Ok(sqlite_value(r.get_ref(0)?)))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let conn = self.stmt_conn()?;
        conn.prepare_cached(schema::SET_META)?.execute([key, value])?;
        Ok(())
    }

    /// Appends the entry and upserts the run in one `BEGIN IMMEDIATE` transaction.
    pub fn upsert_workflow_run(&mut self, entry: &NewEntry, run: &RunUpdate) -> Result<i64> {
        let conn = self.db_conn()?;
        entry.validate()?;
        run.validate()?;
        immediate(conn, |tx| {
            let id = insert(tx, entry)?;
            tx.prepare_cached(schema::UPSERT_RUN)?.execute(params![
                run.run_id,
                run.workflow,
                run.status.as_str(),
                run.timestamp,
                run.exit_code
            ])?;
            Ok(id)
        })
    }

    pub fn get_workflow_run(&self, run_id: &str) -> Result<Option<WorkflowRunRow>> {
        let conn = self.stmt_conn()?;
        let row = conn
            .prepare_cached(schema::GET_RUN)?
            .query_row([run_id], row_to_run)
            .optional()?;
        row.transpose()
    }

    /// Runs in `queued`/`started`, oldest first. `Some(None)` (a null name) matches none.
    pub fn get_active_workflow_runs(&self, workflow: Option<Option<&str>>) -> Result<Vec<WorkflowRunRow>> {
        self.runs(true, workflow, false)
    }

    /// All runs, newest first. `None` means every workflow.
    pub fn get_all_workflow_runs(&self, workflow: Option<&str>) -> Result<Vec<WorkflowRunRow>> {
        self.runs(false, workflow.map(Some), true)
    }

    fn runs(&self, active: bool, workflow: Option<Option<&str>>, newest_first: bool) -> Result<Vec<WorkflowRunRow>> {
        let conn = self.stmt_conn()?;
        let mut stmt = conn.prepare_cached(&schema::run_query(active, workflow.is_some(), newest_first))?;
        let rows = match workflow {
            Some(name) => stmt.query_map([name], row_to_run)?.collect::<rusqlite::Result<Vec<_>>>()?,
            None => stmt.query_map([], row_to_run)?.collect::<rusqlite::Result<Vec<_>>>()?,
        };
        rows.into_iter().collect()
    }

    /// Closes the connection; every later call fails with `ERR_INVALID_STATE`.
    pub fn close(&mut self) -> Result<()> {
        let conn = self.conn.take().ok_or_else(|| Error::invalid_state(DB_CLOSED))?;
        self.rows_changed();
        conn.close().map_err(|(_, e)| Error::from(e))
    }
}

/// Switches a new database to WAL. The switch reads the header and then takes the write lock
/// within one statement, and SQLite does not call the busy handler for that second step (waiting
/// there while holding a read lock could deadlock), so when several processes create the database
/// at the same moment all but one fail at once with SQLITE_BUSY. They retry here, within the same
/// time the busy handler would have waited. A database already in WAL takes no lock.
fn enable_wal(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())) {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            other => return other.map_err(Error::from),
        }
    }
}

/// `f` inside `BEGIN IMMEDIATE` ... `COMMIT`, rolled back if it fails. The statements come from
/// the statement cache: parsing BEGIN and COMMIT anew was a measurable part of a small write.
fn immediate<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let result = f(conn).and_then(|v| {
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(v)
    });
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

fn insert(conn: &Connection, e: &NewEntry) -> Result<i64> {
    conn.prepare_cached(schema::INSERT_LOG)?
        .execute(params![e.source, e.kind, e.ref_id, e.payload, e.timestamp])?;
    Ok(conn.last_insert_rowid())
}
