//! The search index: a derived cache in `<name>.search.db` beside `<name>.db`, on a connection of
//! its own with logs.db attached. Its own connection, because `BEGIN IMMEDIATE` on a connection
//! takes the write lock of every attached file: attached to the store's connection, the index
//! would be locked by every append, and an append would wait for another process's indexing.
//! logs.db itself gets no table and no trigger, so it keeps the reference's schema exactly.

use super::scratch::Scratch;
use super::tokenize::index_text;
use crate::core::busy;
use crate::core::js_value::sqlite_text;
use crate::core::sql::search as sql;
use crate::core::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// Bumped whenever what a row is indexed as changes; an index of another format is rebuilt.
pub const FORMAT: i64 = 1;
/// Rows indexed per transaction: each transaction writes one FTS5 segment, and large ones keep
/// the index compact, while the index's write lock is held only this long.
pub const BATCH_ROWS: usize = 5_000;
/// A build of at least this many rows ends with FTS5's `optimize` (one merged segment).
const OPTIMIZE_AFTER: usize = 200_000;

/// `<dir>/<stem>.search.db` for `<dir>/<stem>.<ext>`.
pub fn index_path(db_path: &Path) -> PathBuf {
    let stem = db_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    db_path.with_file_name(format!("{stem}.search.db"))
}

pub struct Index {
    pub(super) conn: Connection,
}

fn meta(conn: &Connection, key: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached(sql::GET_META)?.query_row([key], |r| r.get(0)).optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: i64) -> Result<()> {
    conn.prepare_cached(sql::SET_META)?.execute(rusqlite::params![key, value])?;
    Ok(())
}

impl Index {
    pub fn open(db_path: &Path) -> Result<Index> {
        let path = index_path(db_path);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)?;
        busy::wait_for_locks(&conn)?;
        conn.set_prepared_statement_cache_capacity(24);
        conn.query_row(sql::JOURNAL_WAL, [], |_| Ok(()))?;
        conn.execute_batch(sql::SYNC_NORMAL)?;
        conn.execute(sql::ATTACH_LOGS, [db_path.to_string_lossy().as_ref()])?;
        conn.execute_batch(sql::CREATE)?;
        let index = Index { conn };
        if meta(&index.conn, "format")? != Some(FORMAT) {
            index.reset()?;
        }
        Ok(index)
    }

    /// Empties the index (another format, or a logs.db that was replaced).
    fn reset(&self) -> Result<()> {
        self.conn.execute_batch(&format!("BEGIN; {}; {}; COMMIT", sql::DROP, sql::CREATE))?;
        set_meta(&self.conn, "format", FORMAT)?;
        set_meta(&self.conn, "last_id", 0)?;
        Ok(())
    }

    /// Rows of `logs` not indexed yet (any writer's: ids only grow).
    pub fn pending(&self) -> Result<u64> {
        let last = meta(&self.conn, "last_id")?.unwrap_or(0);
        let n: i64 = self.conn.prepare_cached(sql::COUNT_AFTER)?.query_row([last], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Indexes up to `max_rows` rows not seen yet, [`BATCH_ROWS`] per transaction; returns how
    /// many it indexed (fewer than asked only when none are left).
    pub fn catch_up(&mut self, max_rows: usize) -> Result<usize> {
        let mut done = 0;
        while done < max_rows {
            let n = self.index_batch(BATCH_ROWS.min(max_rows - done))?;
            done += n;
            if n == 0 {
                break;
            }
        }
        if done >= OPTIMIZE_AFTER {
            self.conn.execute(sql::OPTIMIZE, [])?;
        }
        Ok(done)
    }

    fn index_batch(&mut self, rows: usize) -> Result<usize> {
        let replaced = {
            let last = meta(&self.conn, "last_id")?.unwrap_or(0);
            let seq: Option<i64> =
                self.conn.prepare_cached(sql::LOG_SEQUENCE)?.query_row([], |r| r.get(0)).optional()?;
            seq.unwrap_or(0) < last
        };
        if replaced {
            self.reset()?;
        }
        let tx = self.conn.transaction()?;
        tx.execute(sql::TAKE_WRITE_LOCK, [])?;
        // Read under the lock: another process may have indexed meanwhile.
        let last = meta(&tx, "last_id")?.unwrap_or(0);
        let mut count = 0;
        let mut max_id = last;
        {
            let mut read = tx.prepare_cached(sql::ROWS_AFTER)?;
            let mut insert = tx.prepare_cached(sql::INSERT)?;
            let mut found = read.query(rusqlite::params![last, rows as i64])?;
            while let Some(row) = found.next()? {
                let id: i64 = row.get(0)?;
                let text = |i: usize| -> Result<Option<String>> {
                    Ok(match row.get_ref(i)? {
                        ValueRef::Text(t) => Some(sqlite_text(t).into_owned()),
                        ValueRef::Null => None,
                        // A foreign writer's number or BLOB: nothing a word search could match.
                        _ => None,
                    })
                };
                let (source, kind, ref_id, payload) = (text(1)?, text(2)?, text(3)?, text(4)?);
                let body = index_text(
                    source.as_deref().unwrap_or(""),
                    kind.as_deref().unwrap_or(""),
                    ref_id.as_deref(),
                    payload.as_deref(),
                );
                insert.execute(rusqlite::params![id, body])?;
                max_id = id;
                count += 1;
            }
        }
        if count > 0 {
            set_meta(&tx, "last_id", max_id)?;
        }
        tx.commit()?;
        Ok(count)
    }
}

/// The index of a store, opened on first use and closed with the store.
pub struct SearchIndex {
    db_path: PathBuf,
    index: Option<Index>,
    /// The archive side's in-memory database, made on its first use.
    scratch: Option<Scratch>,
    closed: bool,
}

impl SearchIndex {
    pub fn new(db_path: &Path) -> Self {
        SearchIndex { db_path: db_path.to_path_buf(), index: None, scratch: None, closed: false }
    }

    pub(super) fn get(&mut self) -> Result<&mut Index> {
        Ok(self.parts()?.0)
    }

    /// The index, opened if need be, and the scratch database's slot.
    pub(super) fn parts(&mut self) -> Result<(&mut Index, &mut Option<Scratch>)> {
        if self.closed {
            return Err(Error::invalid_state("database is not open"));
        }
        if self.index.is_none() {
            self.index = Some(Index::open(&self.db_path)?);
        }
        Ok((self.index.as_mut().expect("opened above"), &mut self.scratch))
    }

    /// Indexes up to `max_rows` unseen rows; returns `(indexed, still pending)`.
    pub fn build_step(&mut self, max_rows: usize) -> Result<(usize, u64)> {
        let index = self.get()?;
        let done = index.catch_up(max_rows)?;
        Ok((done, index.pending()?))
    }

    pub fn close(&mut self) {
        self.closed = true;
        self.index = None;
        self.scratch = None;
    }
}
