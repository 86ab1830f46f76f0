//! `iterate`: the matching rows in batches, the archive's first and then the database's, each id
//! once, with no more than a batch held at a time.
//!
//! Database rows are read by keyset (`id > last`, by id, a batch at a time), so rows appended
//! meanwhile are simply found by a later batch. A row can be in a day file and still in the
//! database (a crash between the file's rename and the commit that deletes the rows, or an
//! archive running meanwhile). Such a row had to be in the database when the cursor opened, so
//! only archive ids within the database's id range at that moment are remembered (ascending, as
//! the archive yields them), and the database rows among them are skipped.

use super::{lock, LogQuery, LogStore, SharedStore};
use crate::core::archive::ArchiveScan;
use crate::core::js_value::{js_number, MAX_SAFE_INTEGER};
use crate::core::row_batch::LogRowBatch;
use crate::core::sql;
use crate::core::{Error, Result};
use rusqlite::types::Value;
use std::collections::VecDeque;
use std::path::Path;

/// `options.batchSize` as a row count: a positive safe integer.
pub fn check_batch_size(n: f64) -> Result<usize> {
    if n.is_finite() && n.fract() == 0.0 && n >= 1.0 && n <= MAX_SAFE_INTEGER as f64 {
        Ok(usize::try_from(n as u64).unwrap_or(usize::MAX))
    } else {
        Err(Error::out_of_range("options.batchSize", "a positive safe integer", &js_number(n)))
    }
}

pub struct LogCursor {
    query: LogQuery,
    batch_size: usize,
    /// `None` once the archive is read (or when it is not wanted).
    archive: Option<ArchiveScan>,
    /// The database's (lowest, highest) id when the cursor opened.
    db_span: (i64, i64),
    /// Archive ids yielded within `db_span`, ascending.
    overlap: VecDeque<i64>,
    /// The last database id read.
    after: i64,
    /// Rows still to yield (the filter's limit); `None` for no limit.
    left: Option<u64>,
    done: bool,
}

impl LogCursor {
    /// `archive_dir` is where the day files are read from, `None` for the database alone.
    pub fn open(store: &LogStore, archive_dir: Option<&Path>, query: LogQuery, batch_size: usize) -> Result<Self> {
        let limit = query.limit.map(super::check_limit).transpose()?;
        let conn = store.stmt_conn()?;
        let (min, max): (Option<i64>, Option<i64>) =
            conn.prepare_cached(sql::ID_SPAN)?.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut unlimited = query.clone();
        unlimited.limit = None;
        let archive = archive_dir.map(|dir| ArchiveScan::open(dir, &unlimited)).transpose()?;
        Ok(LogCursor {
            query: unlimited,
            batch_size,
            archive,
            db_span: (min.unwrap_or(i64::MAX), max.unwrap_or(i64::MIN)),
            overlap: VecDeque::new(),
            after: i64::MIN,
            left: limit.filter(|l| *l >= 0).map(|l| l as u64),
            done: false,
        })
    }

    /// The next batch, `None` once every row was handed out.
    pub fn next_batch(&mut self, store: &SharedStore) -> Result<Option<LogRowBatch>> {
        let mut batch = LogRowBatch::with_capacity(self.batch_size);
        if !self.done {
            self.fill_from_archive(&mut batch)?;
            if self.archive.is_none() {
                self.fill_from_database(store, &mut batch)?;
            }
        }
        if batch.len == 0 {
            self.done = true;
            return Ok(None);
        }
        batch.finish();
        Ok(Some(batch))
    }

    /// Rows the batch may still take.
    fn room(&self, batch: &LogRowBatch) -> usize {
        let room = self.batch_size - batch.len;
        self.left.map_or(room, |l| room.min(usize::try_from(l).unwrap_or(usize::MAX)))
    }

    fn took_one(&mut self) {
        if let Some(l) = &mut self.left {
            *l -= 1;
        }
    }

    fn fill_from_archive(&mut self, batch: &mut LogRowBatch) -> Result<()> {
        while self.room(batch) > 0 {
            let Some(scan) = &mut self.archive else { return Ok(()) };
            let Some(id) = scan.push_next(batch)? else {
                self.archive = None;
                return Ok(());
            };
            if id >= self.db_span.0 && id <= self.db_span.1 {
                self.overlap.push_back(id);
            }
            self.took_one();
        }
        Ok(())
    }

    fn fill_from_database(&mut self, store: &SharedStore, batch: &mut LogRowBatch) -> Result<()> {
        loop {
            let want = self.room(batch);
            if want == 0 {
                return Ok(());
            }
            let (mut read, mut last, mut taken) = (0, self.after, 0);
            let overlap = &mut self.overlap;
            lock(store).query_page(&self.query, self.after, want, |row| {
                read += 1;
                last = row.get(0)?;
                while overlap.front().is_some_and(|&a| a < last) {
                    overlap.pop_front();
                }
                if overlap.front() == Some(&last) {
                    overlap.pop_front();
                    return Ok(());
                }
                taken += 1;
                batch.push(row)
            })?;
            self.after = last;
            for _ in 0..taken {
                self.took_one();
            }
            if read < want {
                self.done = true;
                return Ok(());
            }
        }
    }
}

impl LogStore {
    /// Up to `max` matching rows with ids above `after`, by id, each handed to `f`.
    pub(crate) fn query_page(
        &mut self,
        q: &LogQuery,
        after: i64,
        max: usize,
        mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let conn = self.db_conn()?;
        let mut conds = q.conds();
        conds.push((sql::WHERE_AFTER_ID, Value::Integer(after)));
        let names: Vec<&str> = conds.iter().map(|(c, _)| *c).collect();
        let mut stmt = conn.prepare_cached(&sql::select_logs(&names, true))?;
        let limit = Value::Integer(i64::try_from(max).unwrap_or(i64::MAX));
        let args = conds.iter().map(|(_, v)| v).chain(std::iter::once(&limit));
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            f(row)?;
        }
        drop(rows);
        drop(stmt);
        // A walk over the whole table would fill the page cache (64 MiB) with pages it reads
        // once; handing them back after each page keeps iterate's memory at about one page.
        conn.release_memory()?;
        Ok(())
    }
}
