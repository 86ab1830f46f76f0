//! Cold archive: old UTC days move from SQLite to `archive/logs/YYYY-MM-DD.jsonl`.
//!
//! Control flow and results follow `@uncaged/nerve-store`'s `archiveLogs`. Two things are stronger:
//! each day is selected, written (temporary file, fsync, rename) and deleted inside one
//! `BEGIN IMMEDIATE` transaction, and the directory is fsynced before that transaction commits, so
//! no row committed by another connection between the select and the delete can be lost, and no
//! row leaves SQLite before its line is on disk; and a day that already has a file keeps every line
//! in it (the file becomes the id-ordered union), where the reference overwrote it and lost the
//! earlier rows.
//!
//! Several days share one transaction (each inside a savepoint). Deleting a day's rows touches
//! pages all over the indexes, and committing per day wrote most of those pages to the WAL once per
//! day. A day that fails is rolled back to its savepoint and the days before it are committed, so
//! an error leaves the database as the reference's per-day transactions would. Should the process
//! die before the commit, the day files hold lines whose rows are still in SQLite; the next archive
//! of those days merges them by id, so nothing is lost or doubled.

use super::durable_fs::{create_dirs, sync_dir};
use super::js_json;
use super::log_store::LogStore;
use super::schema;
use super::utc_day::{self, compare_iso_days, LOG_ARCHIVE_META_KEY};
use super::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, TransactionBehavior};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs;
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
    /// The last day's (rows, bytes), to size the next day's buffers.
    sizes: (usize, usize),
}

impl ArchiveRun {
    fn has_next(&self) -> bool {
        self.next_day.as_ref().is_some_and(|day| {
            compare_iso_days(day, &self.last_day) != Ordering::Greater && !self.max_days.is_some_and(|max| self.processed >= max)
        })
    }

    /// Archives days in one transaction until none is left or about `row_budget` rows moved;
    /// `false` once there is nothing left to do. A second thread writes and fsyncs each day's file
    /// while this one reads the next day from SQLite.
    pub fn step(&mut self, store: &mut LogStore, row_budget: usize) -> Result<bool> {
        if !self.has_next() {
            return Ok(false);
        }
        let outcome = {
            let tx = store.db_conn()?.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (outcome, spans) = std::thread::scope(|scope| self.archive_days(scope, &tx, row_budget))?;
            // The renames must be durable before the rows they hold leave SQLite.
            sync_dir(&self.dir)?;
            if let (Some(first), Some(last)) = (spans.first(), spans.last()) {
                delete_span(&tx, first.0, last.1, spans.iter().map(|s| s.2).sum())?;
            }
            tx.commit()?;
            outcome
        };
        store.rows_changed();
        outcome.map(|()| self.has_next())
    }

    /// Each day in a savepoint of its own (nested, see [`rollback_to_day`]), so a day that fails, even
    /// when its file fails after later days were read, is undone with everything after it.
    /// Returns the first error, if any, and each archived day's (start, end, rows).
    fn archive_days<'s>(&mut self, scope: &'s std::thread::Scope<'s, '_>, tx: &Connection, row_budget: usize) -> Result<(Result<()>, Vec<(i64, i64, usize)>)> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<(usize, PathBuf, DayFile)>(2);
        let writer = scope.spawn(move || {
            for (n, path, file) in queue {
                if let Err(e) = file.write(&path) {
                    return Some((n, e));
                }
            }
            None
        });
        let first_day = self.days.len();
        let mut spans: Vec<(i64, i64, usize)> = Vec::new();
        let mut moved = 0;
        let mut outcome = Ok(());
        let mut savepoints = 0;
        while moved < row_budget && self.has_next() {
            let n = spans.len();
            tx.prepare_cached(DAY_SAVEPOINT)?.execute([])?;
            savepoints += 1;
            match self.prepare_next(tx) {
                Ok((span, path, file)) => {
                    moved += span.2;
                    spans.push(span);
                    if jobs.send((n, path, file)).is_err() {
                        break; // the writer stopped on an error, which it reports below
                    }
                }
                Err(e) => {
                    rollback_to_day(tx, savepoints, n)?;
                    outcome = Err(e);
                    break;
                }
            }
        }
        drop(jobs);
        let failed = writer.join().unwrap_or_else(|_| Some((0, Error::internal("archive file writer panicked"))));
        if let Some((n, e)) = failed {
            // An earlier day than any the SQLite side failed on: undo it and every day after.
            rollback_to_day(tx, savepoints, n)?;
            spans.truncate(n);
            self.days.truncate(first_day + n);
            outcome = Err(e);
        }
        Ok((outcome, spans))
    }

    /// Reads the next day and moves the watermark to it; returns its (start, end, rows) and what
    /// its file must hold.
    fn prepare_next(&mut self, tx: &Connection) -> Result<((i64, i64, usize), PathBuf, DayFile)> {
        let day = self.next_day.take().expect("has_next checked it");
        let start = utc_day::utc_day_start_ms(&day)?;
        let end = utc_day::utc_day_end_exclusive_ms(&day)?;
        let file_path = self.dir.join(format!("{day}.jsonl"));
        let (row_count, file) = prepare_day(tx, &day, start, end, &file_path, &mut self.sizes)?;
        self.days.push(ArchiveDay { day: day.clone(), row_count, file_path: file_path.clone() });
        self.processed += 1.0;
        self.next_day = Some(utc_day::next_utc_day(&day)?);
        Ok(((start, end, row_count), file_path, file))
    }

    /// Runs the optional `VACUUM` and returns what was archived.
    pub fn finish(self, store: &mut LogStore) -> Result<ArchiveResult> {
        Ok(ArchiveResult { days: self.days, vacuumed: store.vacuum_if(self.vacuum)? })
    }
}

/// Every day's savepoint has this one name, so the SQL text is fixed and never carries a number.
const DAY_SAVEPOINT: &str = "SAVEPOINT archive_day";

/// Undoes day `n` and every day after it, `open` savepoints being open. `ROLLBACK TO` acts on the
/// newest savepoint of the name, so the newer days' savepoints are first released into day `n`'s.
fn rollback_to_day(tx: &Connection, open: usize, n: usize) -> Result<()> {
    for _ in n + 1..open {
        tx.prepare_cached("RELEASE archive_day")?.execute([])?;
    }
    tx.prepare_cached("ROLLBACK TO archive_day")?.execute([])?;
    Ok(())
}

impl LogStore {
    /// Archives every eligible day into `archive_dir` (see the module docs).
    pub fn archive_logs(&mut self, opts: &ArchiveOptions, archive_dir: &Path) -> Result<ArchiveResult> {
        let mut run = self.archive_begin(opts, archive_dir)?;
        while run.step(self, usize::MAX)? {}
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
            sizes: (0, 0),
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
            // Durably: the day files' directory fsync does not save `archive/logs` itself.
            create_dirs(archive_dir)?;
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

/// Moves one day's rows into its file (not yet committed); returns how many rows left SQLite.
/// What a day's file must hold once archived.
enum DayFile {
    /// The file is there and no row is new: left as it is.
    Unchanged,
    Fresh(DayLines),
    /// Lines already in the file together with the new ones, by id.
    Merged(BTreeMap<i64, String>),
}

impl DayFile {
    fn write(&self, path: &Path) -> Result<()> {
        match self {
            DayFile::Unchanged => Ok(()),
            DayFile::Fresh(lines) => write_atomically(path, lines.rows.iter().map(|&(_, from, to)| &lines.text[from..to])),
            DayFile::Merged(lines) => write_atomically(path, lines.values().map(|l| l.as_bytes())),
        }
    }
}

/// Reads a day's rows (and its existing file, if any) and moves the watermark to the day.
fn prepare_day(tx: &Connection, day: &str, start: i64, end: i64, file: &Path, sizes: &mut (usize, usize)) -> Result<(usize, DayFile)> {
    let fresh = day_lines(tx, start as f64, end as f64, *sizes)?;
    *sizes = (fresh.rows.len(), fresh.text.len());
    let row_count = fresh.rows.len();
    let content = match read_existing(file)? {
        Some(_) if row_count == 0 => DayFile::Unchanged,
        Some(mut merged) => {
            for &(id, from, to) in &fresh.rows {
                merged.entry(id).or_insert_with(|| String::from_utf8_lossy(&fresh.text[from..to]).into_owned());
            }
            DayFile::Merged(merged)
        }
        None => DayFile::Fresh(fresh),
    };
    tx.prepare_cached(schema::SET_META)?.execute([LOG_ARCHIVE_META_KEY, day])?;
    Ok((row_count, content))
}

/// Deletes the archived rows (`moved` of them, all with `start <= timestamp < end`). Row by row
/// each costs a seek and a delete in the table and in three indexes; when most of the table goes,
/// it is cheaper to set the other rows aside, empty the table (SQLite clears it page by page) and
/// put them back with their ids. Either way the table ends up holding the same rows.
fn delete_span(tx: &Connection, start: i64, end: i64, moved: usize) -> Result<()> {
    let (start, end) = (start as f64, end as f64);
    let total: i64 = tx.query_row(schema::COUNT_LOGS, [], |r| r.get(0))?;
    let kept = total.saturating_sub(moved as i64);
    if moved < REBUILD_MIN_ROWS || kept.saturating_mul(2) >= moved as i64 {
        tx.prepare_cached(schema::DELETE_SPAN)?.execute(params![start, end])?;
        return Ok(());
    }
    tx.execute_batch(schema::KEEP_CREATE)?;
    tx.execute(schema::KEEP_FILL, params![start, end])?;
    tx.execute_batch(schema::KEEP_RESTORE)?;
    Ok(())
}

/// Below this many archived rows the row-by-row delete is fast enough.
const REBUILD_MIN_ROWS: usize = 10_000;

/// A day's rows as archive lines: one buffer, and each row's id and byte range in it, by id.
struct DayLines {
    text: Vec<u8>,
    rows: Vec<(i64, usize, usize)>,
}

/// The day's rows as lines, `JSON.stringify({id, source, type, refId, payload, timestamp})` each.
/// SQLite returns them in index order; sorting whole rows by id in SQL costs more than sorting
/// (id, range) pairs here.
/// `hint` is the previous day's (rows, bytes): days are alike, and buffers sized up front are not
/// copied and remapped as they grow (which also holds the process's memory-map lock, and stalls
/// the other threads' page faults).
fn day_lines(conn: &Connection, start: f64, end: f64, hint: (usize, usize)) -> Result<DayLines> {
    const KEYS: [&str; 6] = ["{\"id\":", ",\"source\":", ",\"type\":", ",\"refId\":", ",\"payload\":", ",\"timestamp\":"];
    let mut stmt = conn.prepare_cached(schema::DAY_ROWS)?;
    let mut rows = stmt.query(params![start, end])?;
    let mut line = String::new();
    let mut out = DayLines { text: Vec::with_capacity(hint.1 + hint.1 / 8), rows: Vec::with_capacity(hint.0 + hint.0 / 8) };
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        line.clear();
        for (i, key) in KEYS.iter().enumerate() {
            line.push_str(key);
            js_json::write_sql_value(&mut line, row.get_ref(i)?)?;
        }
        line.push('}');
        let from = out.text.len();
        out.text.extend_from_slice(line.as_bytes());
        out.rows.push((id, from, out.text.len()));
    }
    out.rows.sort_unstable_by_key(|&(id, _, _)| id);
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

/// Temporary file in the same directory, fdatasync, rename over `file`. The caller fsyncs the
/// directory.
fn write_atomically<'a>(file: &Path, lines: impl Iterator<Item = &'a [u8]>) -> Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error, syscall: &str| Error::io(e, syscall, file);
    let mut tmp = tempfile::Builder::new().prefix(".tmp.").tempfile_in(dir).map_err(|e| io(e, "open"))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        for line in lines {
            w.write_all(line).map_err(|e| io(e, "write"))?;
            w.write_all(b"\n").map_err(|e| io(e, "write"))?;
        }
        w.flush().map_err(|e| io(e, "write"))?;
    }
    tmp.as_file().sync_data().map_err(|e| io(e, "fsync"))?;
    tmp.persist(file).map_err(|e| io(e.error, "rename"))?;
    Ok(())
}
