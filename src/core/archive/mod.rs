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

mod day_file;
mod filter;
mod line;
mod newest;
mod plan;
mod read;

pub use day_file::{day_copy_covers, merge_day_copies};
pub(crate) use newest::NewestFirst;

/// Whether a read with filter `q` takes day `day` (its `since`/`until` and a `null` filter).
pub fn query_wants_day(q: &crate::core::log_store::LogQuery, day: &str) -> bool {
    let m = filter::Matcher::new(q);
    !m.nothing && m.wants_day(day)
}
pub use plan::PlannedDay;
pub use read::{list_archive_days, read_archive, ArchiveDayFile, ArchiveScan};

use super::durable_fs::{create_dirs, sync_dir};
use super::layout;
use super::log_store::{lock, LogStore, SharedStore};
use super::sql::transaction;
use super::utc_day;
use super::{Error, Result};
use day_file::DayFile;
use plan::DayWalk;
use rusqlite::Connection;
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

/// An archived day's (start, end, rows) within the transaction.
type Span = (i64, i64, usize);

/// A day read from SQLite within the open transaction: its span, how many rows leave SQLite, and
/// its file with what the file must hold.
struct PreparedDay {
    span: (i64, i64),
    rows: usize,
    path: PathBuf,
    file: DayFile,
}

/// An archive in progress, a few days per [`ArchiveRun::step`], so a caller that shares the store
/// between threads can let other calls in between.
struct ArchiveRun {
    walk: DayWalk,
    vacuum: bool,
    dir: PathBuf,
    days: Vec<ArchiveDay>,
    /// The last day's (rows, bytes), to size the next day's buffers.
    sizes: (usize, usize),
}

impl ArchiveRun {
    fn begin(store: &LogStore, opts: &ArchiveOptions, dir: &Path) -> Result<Self> {
        store.check_writable(super::Member::ArchiveLogs)?;
        let walk = store.archive_days(opts)?;
        if walk.in_range() {
            // Durably: the day files' directory fsync does not save `archive/logs` itself.
            create_dirs(dir)?;
        }
        Ok(ArchiveRun { walk, vacuum: opts.vacuum, dir: dir.to_path_buf(), days: Vec::new(), sizes: (0, 0) })
    }

    /// Archives days in one transaction until none is left or about `row_budget` rows moved;
    /// `false` once there is nothing left to do. A second thread writes and fsyncs each day's file
    /// while this one reads the next day from SQLite.
    fn step(&mut self, store: &mut LogStore, row_budget: usize) -> Result<bool> {
        if !self.walk.has_next() {
            return Ok(false);
        }
        let outcome = transaction::immediate(store.db_conn()?, |tx| {
            let (outcome, spans) = std::thread::scope(|scope| self.archive_days(scope, tx, row_budget))?;
            // The renames must be durable before the rows they hold leave SQLite.
            sync_dir(&self.dir)?;
            if let (Some(first), Some(last)) = (spans.first(), spans.last()) {
                day_file::delete_span(tx, first.0, last.1, spans.iter().map(|s| s.2).sum())?;
            }
            Ok(outcome)
        });
        store.rows_changed();
        outcome?.map(|()| self.walk.has_next())
    }

    /// Each day in a savepoint of its own (nested, see `transaction::rollback_to_savepoint`), so a
    /// day that fails, even when its file fails after later days were read, is undone with
    /// everything after it. Returns the first error, if any, and each archived day's (start, end,
    /// rows).
    fn archive_days<'s>(
        &mut self,
        scope: &'s std::thread::Scope<'s, '_>,
        tx: &Connection,
        row_budget: usize,
    ) -> Result<(Result<()>, Vec<Span>)> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<(usize, PreparedDay)>(2);
        let writer = scope.spawn(move || {
            for (n, day) in queue {
                if let Err(e) = day.file.write(&day.path) {
                    return Some((n, e));
                }
            }
            None
        });
        let first_day = self.days.len();
        let mut spans: Vec<Span> = Vec::new();
        let mut moved = 0;
        let mut outcome = Ok(());
        let mut savepoints = 0;
        while moved < row_budget && self.walk.has_next() {
            let n = spans.len();
            transaction::savepoint(tx)?;
            savepoints += 1;
            match self.prepare_next(tx) {
                Ok(day) => {
                    moved += day.rows;
                    spans.push((day.span.0, day.span.1, day.rows));
                    if jobs.send((n, day)).is_err() {
                        break; // the writer stopped on an error, which it reports below
                    }
                }
                Err(e) => {
                    transaction::rollback_to_savepoint(tx, savepoints, n)?;
                    outcome = Err(e);
                    break;
                }
            }
        }
        drop(jobs);
        let failed = writer.join().unwrap_or_else(|_| Some((0, Error::internal("archive file writer panicked"))));
        if let Some((n, e)) = failed {
            // An earlier day than any the SQLite side failed on: undo it and every day after.
            transaction::rollback_to_savepoint(tx, savepoints, n)?;
            spans.truncate(n);
            self.days.truncate(first_day + n);
            outcome = Err(e);
        }
        Ok((outcome, spans))
    }

    /// Reads the next day and moves the watermark to it.
    fn prepare_next(&mut self, tx: &Connection) -> Result<PreparedDay> {
        let day = self.walk.take()?;
        let span = (utc_day::utc_day_start_ms(&day)?, utc_day::utc_day_end_exclusive_ms(&day)?);
        let path = layout::day_file(&self.dir, &day);
        let (rows, file) = day_file::prepare_day(tx, &day, span, &path, &mut self.sizes)?;
        self.days.push(ArchiveDay { day, row_count: rows, file_path: path.clone() });
        Ok(PreparedDay { span, rows, path, file })
    }

    /// Runs the optional `VACUUM` and returns what was archived.
    fn finish(self, store: &mut LogStore) -> Result<ArchiveResult> {
        Ok(ArchiveResult { days: self.days, vacuumed: store.vacuum_if(self.vacuum)? })
    }
}

impl LogStore {
    /// Archives every eligible day into `archive_dir` (see the module docs).
    pub fn archive_logs(&mut self, opts: &ArchiveOptions, archive_dir: &Path) -> Result<ArchiveResult> {
        let mut run = ArchiveRun::begin(self, opts, archive_dir)?;
        while run.step(self, usize::MAX)? {}
        run.finish(self)
    }
}

/// [`LogStore::archive_logs`] on a store shared between threads, holding its lock for about
/// `rows_per_lock` rows (a few days) at a time so other calls get in between.
pub fn archive_shared(
    store: &SharedStore,
    opts: &ArchiveOptions,
    archive_dir: &Path,
    rows_per_lock: usize,
) -> Result<ArchiveResult> {
    let mut run = ArchiveRun::begin(&lock(store), opts, archive_dir)?;
    while run.step(&mut lock(store), rows_per_lock)? {}
    run.finish(&mut lock(store))
}
