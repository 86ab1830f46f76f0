//! The append-only log table, the `meta` key-value table and the `workflow_runs` view, on one
//! SQLite connection in WAL mode with SQLite's default (FULL) synchronous durability.

mod entry;
mod meta;
mod page;
mod query;
mod runs;

pub use entry::{LogRow, NewEntry};
pub use page::{check_batch_size, LogCursor};
pub use query::{check_limit, LogQuery};

pub use runs::{RunUpdate, WorkflowRunRow, WorkflowRunStatus};

use super::connection;
use super::layout;
use super::sql;
use super::thread::RoundCache;
use super::{Error, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

// node:sqlite's wording for calls on a closed database: prepared statements report
// "finalized", calls that prepare or exec anew report "not open".
const STMT_CLOSED: &str = "statement has been finalized";
const DB_CLOSED: &str = "database is not open";

/// The members whose closed-store error comes before their arguments are converted, as the
/// reference's do: its statement runs (and fails) before node:sqlite looks at the values bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Append,
    AppendMany,
    AppendAsync,
    GetMeta,
    SetMeta,
    UpsertWorkflowRun,
    GetWorkflowRun,
    GetActiveWorkflowRuns,
    GetAllWorkflowRuns,
    GetTriggerPayload,
    GetThreadEvents,
    GetThreadMessages,
    GetThreadRoundCount,
    ArchiveLogs,
    ArchiveLogsAsync,
    /// `listArchiveDays`, `readArchive`, `readArchiveAsync`.
    ReadArchive,
    Iterate,
}

impl Member {
    /// Members the reference runs in a transaction it begins with `exec` (which fails with "not
    /// open"); the others use a statement prepared at open ("finalized").
    fn prepares_anew(self) -> bool {
        matches!(self, Member::AppendMany | Member::UpsertWorkflowRun | Member::ReadArchive | Member::Iterate)
    }

    /// Members that change the database or the archive, refused on a read-only store.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Member::Append
                | Member::AppendMany
                | Member::AppendAsync
                | Member::SetMeta
                | Member::UpsertWorkflowRun
                | Member::ArchiveLogs
                | Member::ArchiveLogsAsync
        )
    }

    /// The member's name on the store object, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Member::Append => "append",
            Member::AppendMany => "appendMany",
            Member::AppendAsync => "appendAsync",
            Member::GetMeta => "getMeta",
            Member::SetMeta => "setMeta",
            // The reference's two names for one call; the message gives both.
            Member::UpsertWorkflowRun => "upsertWorkflowRun/appendWithWorkflowUpdate",
            Member::GetWorkflowRun => "getWorkflowRun",
            Member::GetActiveWorkflowRuns => "getActiveWorkflowRuns",
            Member::GetAllWorkflowRuns => "getAllWorkflowRuns",
            Member::GetTriggerPayload => "getTriggerPayload",
            Member::GetThreadEvents => "getThreadEvents",
            Member::GetThreadMessages => "getThreadMessages",
            Member::GetThreadRoundCount => "getThreadRoundCount",
            Member::ArchiveLogs => "archiveLogs",
            Member::ArchiveLogsAsync => "archiveLogsAsync",
            Member::ReadArchive => "readArchive",
            Member::Iterate => "iterate",
        }
    }
}

/// How [`LogStore::open_with`] opens the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Read only: nothing is created or changed on disk, and every write member is refused.
    pub read_only: bool,
}

/// A store shared between the JavaScript thread and the background ones (group commit, archive,
/// pool tasks).
pub type SharedStore = Arc<Mutex<LogStore>>;

/// Locks the store. A panic while it was held poisoned nothing the store relies on (every write is
/// a transaction SQLite rolls back), so a poisoned lock is taken as it is.
pub fn lock(store: &SharedStore) -> MutexGuard<'_, LogStore> {
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct LogStore {
    conn: Option<Connection>,
    path: PathBuf,
    /// See [`LogStore::generation`].
    generation: u64,
    data_version: i64,
    read_only: bool,
    pub(crate) round_cache: RoundCache,
}

impl LogStore {
    /// Opens (creating if needed) the database at `path`, its parent directory included.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, OpenOptions::default())
    }

    /// Opens as `options` say; read-only needs the database to exist and changes nothing on disk.
    pub fn open_with(path: impl AsRef<Path>, options: OpenOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = if options.read_only { connection::open_read_only(&path)? } else { connection::open(&path)? };
        let data_version = conn.query_row(sql::DATA_VERSION, [], |r| r.get(0))?;
        Ok(LogStore {
            conn: Some(conn),
            path,
            generation: 0,
            data_version,
            read_only: options.read_only,
            round_cache: RoundCache::default(),
        })
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Refuses a write member on a read-only store, before anything is touched.
    /// Every write method checks this first (the N-API layer also asks before it converts the
    /// arguments, so a read-only store refuses a write before it looks at them).
    pub fn check_writable(&self, member: Member) -> Result<()> {
        if self.read_only && member.writes() {
            return Err(Error::read_only(member.name()));
        }
        Ok(())
    }

    /// A number that stays the same for as long as the only changes to `logs` are this
    /// connection's appends (which only add rows with higher ids). A commit by any other
    /// connection, or this store's own archive, moves it on. The thread caches hang off it.
    pub fn generation(&mut self) -> Result<u64> {
        let conn = self.stmt_conn()?;
        let dv: i64 = conn.prepare_cached(sql::DATA_VERSION)?.query_row([], |r| r.get(0))?;
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

    /// Where `archive_logs` writes by default (see [`layout::archive_dir_for`]).
    pub fn default_archive_dir(&self) -> PathBuf {
        layout::archive_dir_for(&self.path)
    }

    /// Fails, when the store is closed, the way `member` fails on a closed database in the
    /// reference.
    /// On a read-only store a write member then fails with `ERR_STORE_READ_ONLY`.
    pub fn check_open(&self, member: Member) -> Result<()> {
        match (&self.conn, member.prepares_anew()) {
            (Some(_), _) => self.check_writable(member),
            (None, true) => Err(Error::invalid_state(DB_CLOSED)),
            (None, false) => Err(Error::invalid_state(STMT_CLOSED)),
        }
    }

    /// The connection for a prepared statement of the reference ("finalized" once closed).
    pub(crate) fn stmt_conn(&self) -> Result<&Connection> {
        self.conn.as_ref().ok_or_else(|| Error::invalid_state(STMT_CLOSED))
    }

    /// The connection for SQL the reference prepares or executes anew ("not open" once closed).
    pub(crate) fn db_conn(&mut self) -> Result<&mut Connection> {
        self.conn.as_mut().ok_or_else(|| Error::invalid_state(DB_CLOSED))
    }

    /// Runs `VACUUM` when asked to; returns whether it did.
    pub(crate) fn vacuum_if(&mut self, vacuum: bool) -> Result<bool> {
        if vacuum {
            self.db_conn()?.execute_batch(sql::VACUUM)?;
            self.rows_changed();
        }
        Ok(vacuum)
    }

    /// Closes the connection; every later call fails with `ERR_INVALID_STATE`.
    pub fn close(&mut self) -> Result<()> {
        let conn = self.conn.take().ok_or_else(|| Error::invalid_state(DB_CLOSED))?;
        self.rows_changed();
        conn.close().map_err(|(_, e)| Error::from(e))
    }
}
