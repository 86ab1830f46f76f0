//! Where a nerve data directory keeps its files, as the reference lays them out: the database,
//! the cold archive beside it, and the blob store. The names are spelled here once; the JavaScript
//! facade and the command read them from the addon.

use std::path::{Path, PathBuf};

/// The database file inside a data directory.
pub const DB_FILE: &str = "logs.db";
/// The archive folder, relative to the directory holding the database.
pub const ARCHIVE_DIR: [&str; 2] = ["archive", "logs"];
/// The blob store's root inside a data directory.
pub const BLOBS_DIR: &str = "blobs";
/// Inside the archive folder: copies of days the remote tier fetched (days evicted after their
/// upload, or archived by another machine), which every archive read takes beside the folder's
/// own day files. A cache: deleted, the next read that needs them fetches them again.
pub const REMOTE_DAY_CACHE: [&str; 2] = [".remote", "cache"];
/// A day file's name is the day followed by this.
pub const DAY_FILE_SUFFIX: &str = ".jsonl";

/// `<dir of the database>/archive/logs`, where `archive_logs` writes by default.
pub fn archive_dir_for(db_path: &Path) -> PathBuf {
    let dir = db_path.parent().unwrap_or(Path::new(""));
    ARCHIVE_DIR.iter().fold(dir.to_path_buf(), |p, part| p.join(part))
}

/// The file that holds `day`'s archived rows.
pub fn day_file(archive_dir: &Path, day: &str) -> PathBuf {
    archive_dir.join(format!("{day}{DAY_FILE_SUFFIX}"))
}
