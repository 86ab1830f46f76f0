//! N-API layer: converts JavaScript values to the core's types and back, and maps the core's
//! errors to JavaScript errors, nothing else. Semantics live in `crate::core`; JavaScript-only glue
//! (object spread, `JSON.parse`) lives in the package's `lib/` facade.

mod archive_read;
mod args;
mod blob_hot;
mod blob_store;
mod convert;
mod errors;
mod layout;
mod log_remote;
mod log_store;
mod remote;
mod rows;
mod search;
mod stats;
mod task;
mod utc_day;
mod values;
