//! The remote tier: day files and blobs copied to an S3-compatible object store in the background,
//! local first. Every write still lands locally and durably before it returns; the remote copy
//! follows off the JavaScript thread, from a queue on disk that survives crashes. See
//! docs/remote.md.

mod blobs;
mod client;
mod config;
mod days;
mod queue;
mod runtime;
mod tiered;
mod uploader;

pub use blobs::RemoteBlobs;
pub use client::{Remote, ASYNC_TIMEOUT as REMOTE_ASYNC_TIMEOUT};
pub use config::{RemoteArgs, RemoteConfig};
pub use days::{check_store_id, store_id, DaysVerified, RemoteDays, STORE_ID_KEY};
pub use tiered::{TieredBlobs, Wait};
pub use uploader::RemoteStatus;
