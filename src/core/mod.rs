//! The storage engine, free of any Node.js dependency.

pub mod archive;
pub mod blob_store;
pub mod error;
pub mod js_json;
pub mod log_store;
pub mod schema;
pub mod utc_day;

pub use error::{Error, ErrorKind, Result};
