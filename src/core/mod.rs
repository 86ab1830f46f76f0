//! The storage engine, free of any Node.js dependency.

pub mod archive;
pub mod blob_store;
pub mod busy;
pub mod durable_fs;
pub mod error;
pub mod group_commit;
pub mod js_json;
pub mod log_store;
mod query_plan;
pub mod row_batch;
pub mod schema;
pub mod stats;
pub mod thread;
pub mod utc_day;

pub use error::{Error, ErrorKind, Result};
