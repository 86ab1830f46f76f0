//! Opening the database: process-wide SQLite set-up, the connection's settings, the switch to WAL
//! and the reference's schema. The file ends up exactly as `@uncaged/nerve-store` makes it.

use super::busy::{self, BUSY_TIMEOUT};
use super::sql::{self, schema};
use super::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::{Duration, Instant};

/// Prepared statements kept per connection: every fixed statement fits, with room for the
/// `query` filter shapes in use.
const STATEMENT_CACHE: usize = 32;

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

/// Opens (creating if needed) the database at `path`, its parent directory included, in WAL mode
/// with the reference's schema.
pub fn open(path: &Path) -> Result<Connection> {
    configure_sqlite();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(e, "mkdir", parent))?;
    }
    // No SQLITE_OPEN_URI: node:sqlite treats "file:..." as a plain file name, and so do we.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| match e {
        // rusqlite appends ": <path>" to open failures; node:sqlite reports sqlite3_errmsg alone.
        rusqlite::Error::SqliteFailure(code, Some(msg)) => {
            let suffix = format!(": {}", path.to_string_lossy());
            let msg = msg.strip_suffix(&suffix).map_or(msg.clone(), str::to_owned);
            rusqlite::Error::SqliteFailure(code, Some(msg))
        }
        other => other,
    })?;
    busy::wait_for_locks(&conn)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    enable_wal(&conn)?;
    // A connection setting, not stored in the file. SQLite's default (2 MiB) holds a tenth of
    // a 100k-row table, so every index-driven read paid a read(2) per row; pages are only
    // allocated as they are used.
    conn.execute_batch(sql::CACHE_SIZE)?;
    conn.execute_batch(schema::SCHEMA)?;
    let _ = conn.execute(schema::ADD_EXIT_CODE, []);
    Ok(conn)
}

/// Opens an existing database as it is: no file, directory or schema is created, nothing is
/// changed (the `nerve-store` command's figures and checks).
pub fn open_existing(path: &Path) -> Result<Connection> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::io(e, "stat", path));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    busy::wait_for_locks(&conn)?;
    Ok(conn)
}

/// Switches a new database to WAL. The switch reads the header and then takes the write lock
/// within one statement, and SQLite does not call the busy handler for that second step (waiting
/// there while holding a read lock could deadlock), so when several processes create the database
/// at the same moment all but one fail at once with SQLITE_BUSY. They retry here, within the same
/// time the busy handler would have waited. A database already in WAL takes no lock.
fn enable_wal(conn: &Connection) -> Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.query_row(sql::JOURNAL_MODE_WAL, [], |_| Ok(())) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            other => return other.map_err(Error::from),
        }
    }
}
