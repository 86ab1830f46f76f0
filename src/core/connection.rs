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
    let conn = open_flags(path, flags)?;
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

fn open_flags(path: &Path, flags: OpenFlags) -> Result<Connection> {
    Connection::open_with_flags(path, flags).map_err(|e| {
        Error::from(match e {
            // rusqlite appends ": <path>" to open failures; node:sqlite reports sqlite3_errmsg alone.
            rusqlite::Error::SqliteFailure(code, Some(msg)) => {
                let suffix = format!(": {}", path.to_string_lossy());
                let msg = msg.strip_suffix(&suffix).map_or(msg.clone(), str::to_owned);
                rusqlite::Error::SqliteFailure(code, Some(msg))
            }
            other => other,
        })
    })
}

/// Opens an existing database for reading only (`createLogStore(path, { readOnly: true })`): no
/// directory, file or schema is created and nothing is switched to WAL. Beside a live writer this
/// is an ordinary read-only connection that shares the WAL index, so it sees every commit.
///
/// On a read-only file system a WAL database whose `-wal` and `-shm` are gone (a clean close
/// removes them) cannot be opened that way: SQLite must create `-shm` to read it (SQLITE_CANTOPEN
/// on the first read). With no `-wal` there is nothing but the main file to read, and no writer
/// can exist on a read-only mount, so it is then opened as `immutable=1`, which reads the file
/// without any lock or WAL index.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    configure_sqlite();
    // SQLite would report a missing file as SQLITE_CANTOPEN; say what node:fs would.
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::io(e, "open", path));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = open_flags(path, flags)?;
    let conn = match first_read(&conn) {
        Ok(()) => conn,
        Err(e) if cannot_open_wal_index(&e) && !wal_has_frames(path) => {
            drop(conn);
            let conn = open_flags(Path::new(&immutable_uri(path)), flags | OpenFlags::SQLITE_OPEN_URI)?;
            first_read(&conn).map_err(Error::from)?;
            conn
        }
        Err(e) => return Err(e.into()),
    };
    busy::wait_for_locks(&conn)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch(sql::CACHE_SIZE)?;
    Ok(conn)
}

/// Reads the schema, which is when SQLite first opens the WAL index.
fn first_read(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row(sql::SCHEMA_VERSION, [], |_| Ok(()))
}

fn cannot_open_wal_index(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, ReadOnly};
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, CannotOpen | ReadOnly))
}

/// Whether `<db>-wal` holds anything beyond its header (an empty or absent one holds no commit).
fn wal_has_frames(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(&wal).map(|m| m.len() > 32).unwrap_or(false)
}

/// `file:<path>?immutable=1`, every byte of the path outside the unreserved set percent-encoded,
/// so no `?`, `#` or `%` in a directory name can change what is opened.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    let text = path.to_string_lossy();
    for b in text.bytes() {
        if cfg!(windows) && b == b'\\' {
            uri.push('/');
        } else if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Opens an existing database as it is, for reading only (the `nerve-store` command's figures and
/// checks): see [`open_read_only`].
pub fn open_existing(path: &Path) -> Result<Connection> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::io(e, "stat", path));
    }
    open_read_only(path)
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
