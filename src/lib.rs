//! Native core of `nerve-store-native`.
//!
//! `core` is plain Rust (SQLite log store, JSONL archive, blob store, UTC-day math, errors) and is
//! what `cargo test` exercises. `node` is the N-API layer: it only converts JavaScript values to and
//! from the core's types and turns [`core::Error`] into JavaScript errors carrying a `code`.

pub mod core;
#[cfg(feature = "node")]
// napi-derive registers the exported functions and classes only outside `cfg(test)`, so in the
// unit-test build of the addon (`clippy --all-targets --features node`) they all look unused.
#[cfg_attr(test, allow(dead_code))]
mod node;
