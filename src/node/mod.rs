//! N-API layer: converts JavaScript values to the core's types and back, and nothing else.
//! Semantics live in `crate::core`; JavaScript-only glue (object spread, `JSON.parse`) lives in
//! the package's `lib/` facade.

mod blob_store;
mod convert;
mod errors;
mod log_store;
mod rows;
mod stats;
mod task;
mod utc_day;
