//! The storage engine, free of any Node.js dependency.
//!
//! Modules are private to the crate; what the N-API layer, the benches and the tests use is
//! re-exported below, so anything else that falls out of use is reported as dead code.

mod archive;
mod blob_store;
mod busy;
mod connection;
mod durable_fs;
mod error;
mod group_commit;
mod js_json;
mod js_value;
mod layout;
mod log_store;
mod priority;
mod remote;
mod row_batch;
mod search;
mod sql;
mod stats;
mod thread;
pub mod utc_day;

pub use archive::{
    archive_shared, list_archive_days, read_archive, ArchiveDay, ArchiveDayFile, ArchiveOptions, ArchiveResult,
    ArchiveScan, PlannedDay,
};
pub use blob_store::{digest_hex, hex_str, normalize_blob_hash, normalize_hash, BlobStore, ReadOutcome, STREAM_CHUNK};
pub use busy::BUSY_TIMEOUT;
pub use durable_fs::{create_dirs, TEMP_PREFIX};
pub use error::{Error, ErrorKind, Result};
pub use group_commit::GroupCommit;
pub use js_value::MAX_SAFE_INTEGER;
pub use layout::{archive_dir_for, ARCHIVE_DIR, BLOBS_DIR, DB_FILE};
pub use log_store::{
    check_batch_size, check_limit, lock, LogCursor, LogQuery, LogRow, LogStore, Member, NewEntry, OpenOptions,
    RunUpdate, SharedStore, WorkflowRunRow, WorkflowRunStatus,
};
pub use priority::lower_priority;
pub use remote::{
    check_store_id, store_id, DaysVerified, Remote, RemoteArgs, RemoteBlobs, RemoteConfig, RemoteDays, RemoteStatus,
    TieredBlobs, Wait, REMOTE_ASYNC_TIMEOUT, STORE_ID_KEY,
};
pub use row_batch::{LogRowBatch, TextChunk, COLUMNS, NULL_INDEX, SPECIAL};
pub use search::{
    check_cursor as check_search_cursor, check_limit as check_search_limit, index_path as search_index_path, Order,
    SearchIndex, SearchOptions, Syntax, BATCH_ROWS as SEARCH_BATCH_ROWS,
};
pub use stats::{integrity_check, store_stats, StoreStats};
pub use thread::{thread_rounds_wanted, PayloadDelta, RoundRow, ThreadList};

/// The statements and schema, for the benches' SQL-only floor.
pub mod floor_sql {
    pub use super::sql::schema::SCHEMA;
    pub use super::sql::INSERT_LOG;
}
