//! Names and numbers the JavaScript side must agree on with the core, exported from the one place
//! that defines them: the data directory's layout and the row batch's column encoding.

use crate::core;
use napi_derive::napi;

/// A nerve data directory's names (see the core's `layout`), for the facade and the command.
#[napi(object)]
pub struct DataLayout {
    /// The database file inside a data directory.
    pub db_file: String,
    /// The archive folder's path segments, from the directory holding the database.
    pub archive_dir: Vec<String>,
    /// The blob store's root inside a data directory.
    pub blobs_dir: String,
    /// What every temporary file of a write in progress starts with.
    pub temp_prefix: String,
}

#[napi(catch_unwind)]
pub fn data_layout() -> DataLayout {
    DataLayout {
        db_file: core::DB_FILE.into(),
        archive_dir: core::ARCHIVE_DIR.iter().map(|s| (*s).into()).collect(),
        blobs_dir: core::BLOBS_DIR.into(),
        temp_prefix: core::TEMP_PREFIX.into(),
    }
}

/// How `query` rows are laid out in a row batch (see `lib/rows.js`).
#[napi(object)]
pub struct RowBatchLayout {
    /// A string column's index that stands for `null`.
    pub null_index: u32,
    /// A `source` index that says the row is passed whole, in `special`.
    pub special: u32,
    /// Entries per row in `columns`.
    pub columns: u32,
}

#[napi(catch_unwind)]
pub fn row_batch_layout() -> RowBatchLayout {
    RowBatchLayout { null_index: core::NULL_INDEX, special: core::SPECIAL, columns: core::COLUMNS as u32 }
}
