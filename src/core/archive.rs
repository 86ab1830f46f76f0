//! Cold archive: old UTC days move from SQLite to `archive/logs/YYYY-MM-DD.jsonl`.
//!
//! Control flow and results follow `@uncaged/nerve-store`'s `archiveLogs`. Two things are stronger:
//! each day is selected, written (temporary file, fsync, rename, directory fsync) and deleted inside
//! one `BEGIN IMMEDIATE` transaction, so no row committed by another connection between the select
//! and the delete can be lost; and a day that already has a file keeps every line in it (the file
//! becomes the id-ordered union), where the reference overwrote it and lost the earlier rows.

use super::js_json;
use super::log_store::LogStore;
use super::schema;
use super::utc_day::{self, compare_iso_days, LOG_ARCHIVE_META_KEY};
use super::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, TransactionBehavior};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchiveOptions {
    /// Wall clock in ms (default: now).
    pub now: Option<f64>,
    /// Run `VACUUM` afterwards.
    pub vacuum: bool,
    /// At most this many days per call; compared as `processed >= max_days`, like the reference.
    pub max_days: Option<f64>,
    /// Rows younger than this stay in SQLite (default 30 days).
    pub retention_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveDay {
    pub day: String,
    /// Rows moved out of SQLite for this day by this call.
    pub row_count: usize,
    pub file_path: PathBuf,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchiveResult {
    pub days: Vec<ArchiveDay>,
    pub vacuumed: bool,
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

/// An archive in progress, one day per [`ArchiveRun::step`], so a caller that shares the store
/// between threads can let other calls in between days.
#[derive(Debug)]
pub struct ArchiveRun {
    next_day: Option<String>,
    last_day: String,
    processed: f64,
    max_days: Option<f64>,
    vacuum: bool,
    dir: PathBuf,
    days: Vec<ArchiveDay>,
}

impl ArchiveRun {
    /// Archives the next day; `false` once there is none left.
    pub fn step(&mut self, store: &mut LogStore) -> Result<bool> {
        let Some(day) = self.next_day.take() else { return Ok(false) };
        if compare_iso_days(&day, &self.last_day) == Ordering::Greater || self.max_days.is_some_and(|max| self.processed >= max) {
            return Ok(false);
        }
        let start = utc_day::utc_day_start_ms(&day)?;
        let end = utc_day::utc_day_end_exclusive_ms(&day)?;
        let file_path = self.dir.join(format!("{day}.jsonl"));
        let result = archive_day(store.db_conn()?, &day, start, end, &file_path);
        store.rows_changed();
        let row_count = result?;
        self.days.push(ArchiveDay { day: day.clone(), row_count, file_path });
        self.processed += 1.0;
        self.next_day = Some(utc_day::next_utc_day(&day)?);
        Ok(true)
    }

    /// Runs the optional `VACUUM` and returns what was archived.
    pub fn finish(self, store: &mut LogStore) -> Result<ArchiveResult> {
        Ok(ArchiveResult { days: self.days, vacuumed: store.vacuum_if(self.vacuum)? })
    }
}

impl LogStore {
    /// Archives every eligible day into `archive_dir` (see the module docs).
    pub fn archive_logs(&mut self, opts: &ArchiveOptions, archive_dir: &Path) -> Result<ArchiveResult> {
        let mut run = self.archive_begin(opts, archive_dir)?;
        while run.step(self)? {}
        run.finish(self)
    }

    /// Works out which days [`ArchiveRun::step`] will archive.
    pub fn archive_begin(&mut self, opts: &ArchiveOptions, archive_dir: &Path) -> Result<ArchiveRun> {
        let now = opts.now.unwrap_or_else(now_ms);
        let retention = opts.retention_ms.unwrap_or(utc_day::DEFAULT_LOG_RETENTION_MS as f64);
        let last_day = utc_day::last_archivable_utc_day(now - retention)?;
        let watermark = self.get_meta(LOG_ARCHIVE_META_KEY)?;
        if let Some(w) = &watermark {
            utc_day::assert_valid_utc_day(w)?;
        }
        let mut run = ArchiveRun {
            next_day: None,
            last_day,
            processed: 0.0,
            max_days: opts.max_days,
            vacuum: opts.vacuum,
            dir: archive_dir.to_path_buf(),
            days: Vec::new(),
        };
        let Some(min_day) = self.first_log_day()? else { return Ok(run) };
        let start_day = match &watermark {
            None => min_day,
            Some(w) => {
                let after = utc_day::next_utc_day(w)?;
                if compare_iso_days(&min_day, &after) == Ordering::Less { min_day } else { after }
            }
        };
        if compare_iso_days(&start_day, &run.last_day) != Ordering::Greater {
            fs::create_dir_all(archive_dir).map_err(|e| Error::io(e, "mkdir", archive_dir))?;
            run.next_day = Some(start_day);
        }
        Ok(run)
    }

    fn first_log_day(&self) -> Result<Option<String>> {
        let conn = self.stmt_conn()?;
        let min = conn.prepare_cached(schema::MIN_TIMESTAMP)?.query_row([], |r| {
            Ok(match r.get_ref(0)? {
                ValueRef::Null => None,
                ValueRef::Integer(i) => Some(i as f64),
                ValueRef::Real(f) => Some(f),
                // Only a foreign writer can put text or blobs here; `new Date` of it is invalid.
                _ => Some(f64::NAN),
            })
        })?;
        min.map(utc_day::utc_date_string_from_ms).transpose()
    }

    fn vacuum_if(&mut self, vacuum: bool) -> Result<bool> {
        if vacuum {
            self.db_conn()?.execute_batch("VACUUM")?;
            self.rows_changed();
        }
        Ok(vacuum)
    }
}

/// Moves one day's rows into its file; returns how many rows left SQLite.
fn archive_day(conn: &mut Connection, day: &str, start: i64, end: i64, file: &Path) -> Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (start, end) = (start as f64, end as f64);
    let fresh = day_lines(&tx, start, end)?;
    let row_count = fresh.len();
    let existing = read_existing(file)?;
    if row_count > 0 || existing.is_none() {
        let mut merged: BTreeMap<i64, String> = existing.unwrap_or_default();
        merged.extend(fresh);
        write_atomically(file, merged.values())?;
    }
    tx.prepare_cached(schema::DELETE_DAY)?.execute(params![start, end])?;
    tx.prepare_cached(schema::SET_META)?.execute([LOG_ARCHIVE_META_KEY, day])?;
    tx.commit()?;
    Ok(row_count)
}

/// `JSON.stringify({id, source, type, refId, payload, timestamp})` for each row of the day.
fn day_lines(conn: &Connection, start: f64, end: f64) -> Result<Vec<(i64, String)>> {
    const KEYS: [&str; 6] = ["{\"id\":", ",\"source\":", ",\"type\":", ",\"refId\":", ",\"payload\":", ",\"timestamp\":"];
    let mut stmt = conn.prepare_cached(schema::DAY_ROWS)?;
    let mut rows = stmt.query(params![start, end])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let mut line = String::with_capacity(128);
        for (i, key) in KEYS.iter().enumerate() {
            line.push_str(key);
            js_json::write_sql_value(&mut line, row.get_ref(i)?)?;
        }
        line.push('}');
        out.push((id, line));
    }
    Ok(out)
}

/// Lines already archived for the day, by id. `None` when there is no file.
fn read_existing(file: &Path) -> Result<Option<BTreeMap<i64, String>>> {
    let text = match fs::read(file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(e, "open", file)),
    };
    let mut lines: BTreeMap<i64, String> = BTreeMap::new();
    let complete = text.ends_with('\n');
    let parts: Vec<&str> = text.split_terminator('\n').collect();
    for (n, line) in parts.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        match line_id(line) {
            Some(id) => {
                lines.entry(id).or_insert_with(|| (*line).to_owned());
            }
            // A torn last line (no newline after it) is what an interrupted non-atomic write leaves;
            // its row was never deleted from SQLite, so dropping it loses nothing.
            None if !complete && n + 1 == parts.len() => {}
            None => return Err(Error::archive_corrupt(file, n + 1)),
        }
    }
    Ok(Some(lines))
}

fn line_id(line: &str) -> Option<i64> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.as_object()?.get("id")?.as_i64()
}

/// Temporary file in the same directory, fsync, rename over `file`, fsync the directory.
fn write_atomically<'a>(file: &Path, lines: impl Iterator<Item = &'a String>) -> Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error, syscall: &str| Error::io(e, syscall, file);
    let mut tmp = tempfile::Builder::new().prefix(".tmp.").tempfile_in(dir).map_err(|e| io(e, "open"))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        for line in lines {
            w.write_all(line.as_bytes()).map_err(|e| io(e, "write"))?;
            w.write_all(b"\n").map_err(|e| io(e, "write"))?;
        }
        w.flush().map_err(|e| io(e, "write"))?;
    }
    tmp.as_file().sync_all().map_err(|e| io(e, "fsync"))?;
    tmp.persist(file).map_err(|e| io(e.error, "rename"))?;
    sync_dir(dir)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        File::open(d).and_then(|f| f.sync_all()).map_err(|e| Error::io(e, "fsync", d))?;
    }
    Ok(())
}
