//! `NativeBlobStore`: the class behind `createBlobStore`, and `normalizeBlobHash`.
//!
//! The promise-returning members run the core's work on the libuv thread pool through `task.rs`,
//! as the log store's do, and settle on the JavaScript thread with the same values and errors as
//! the synchronous calls.

use super::convert;
use super::errors::OrThrow;
use super::task::{self, Job};
use crate::core::{normalize_blob_hash as normalize, BlobStore, ReadOutcome, Result};
use napi::bindgen_prelude::{AsyncTask, BufferSlice, Env, JsValue, Null, ToNapiValue, Unknown};
use napi_derive::napi;
use std::path::PathBuf;
use std::sync::Arc;

/// Blobs up to this size are read into a Buffer that Node allocates (one copy of zeros to make it,
/// cheaper than tracking an external buffer with a finalizer); larger ones are read into Rust's
/// memory and handed to Node as an external buffer, without a copy.
const NODE_BUFFER_MAX: usize = 64 << 10;
static ZEROS: [u8; NODE_BUFFER_MAX] = [0; NODE_BUFFER_MAX];

#[napi]
pub struct NativeBlobStore {
    store: Arc<BlobStore>,
}

#[napi(catch_unwind)]
pub fn normalize_blob_hash(env: Env, hash: Unknown) -> napi::Result<Option<String>> {
    let hash = convert::string(hash, "hash").or_throw(&env)?;
    Ok(normalize(&hash))
}

/// Where a read's bytes go: a Buffer of Node's, or (large blobs) memory of ours.
enum ReadBuffer<'e> {
    Node(BufferSlice<'e>),
    Owned(Vec<u8>),
}

impl AsMut<[u8]> for ReadBuffer<'_> {
    fn as_mut(&mut self) -> &mut [u8] {
        match self {
            ReadBuffer::Node(b) => b,
            ReadBuffer::Owned(v) => v,
        }
    }
}

fn read_buffer(env: &Env, len: usize) -> Result<ReadBuffer<'_>> {
    if len <= NODE_BUFFER_MAX {
        return BufferSlice::copy_from(env, &ZEROS[..len]).map(ReadBuffer::Node).map_err(|_| out_of_memory());
    }
    crate::core::zeroed_vec(len).map(ReadBuffer::Owned)
}

fn out_of_memory() -> crate::core::Error {
    crate::core::Error::io_fd(std::io::Error::from_raw_os_error(libc::ENOMEM), "read")
}

/// Bytes as a Buffer: large ones handed over as they are, small ones copied.
fn bytes_buffer(env: &Env, bytes: Vec<u8>) -> napi::Result<BufferSlice<'_>> {
    if bytes.len() > NODE_BUFFER_MAX {
        BufferSlice::from_data(env, bytes)
    } else {
        BufferSlice::copy_from(env, &bytes)
    }
}

fn string_js<'e>(env: &'e Env, s: String) -> napi::Result<Unknown<'e>> {
    env.create_string(&s).map(|s| s.to_unknown())
}

fn bool_js<'e>(env: &'e Env, b: bool) -> napi::Result<Unknown<'e>> {
    b.into_unknown(env)
}

fn bytes_js<'e>(env: &'e Env, bytes: Option<Vec<u8>>) -> napi::Result<Unknown<'e>> {
    match bytes {
        None => Null.into_unknown(env),
        Some(v) => bytes_buffer(env, v).map(|b| b.to_unknown()),
    }
}

#[napi]
impl NativeBlobStore {
    /// `root` arrives normalized by the facade so paths in messages read as `path.join` makes them.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, root: Unknown) -> napi::Result<Self> {
        let root = convert::path(root, "blobsRoot").or_throw(&env)?;
        Ok(NativeBlobStore { store: Arc::new(BlobStore::new(root)) })
    }

    #[napi(catch_unwind)]
    pub fn write(&self, env: Env, content: Unknown) -> napi::Result<String> {
        let bytes = convert::bytes(content, "content").or_throw(&env)?;
        self.store.write(&bytes).or_throw(&env)
    }

    #[napi(catch_unwind, ts_return_type = "Buffer | null")]
    pub fn read<'e>(&self, env: &'e Env, hash: Unknown) -> napi::Result<Unknown<'e>> {
        let hash = convert::string(hash, "hash").or_throw(env)?;
        let buffer = match self.store.read_with(&hash, |len| read_buffer(env, len)).or_throw(env)? {
            None => return Null.into_unknown(env),
            Some(ReadOutcome::Filled(ReadBuffer::Node(b))) => b,
            Some(ReadOutcome::Filled(ReadBuffer::Owned(v)) | ReadOutcome::Bytes(v)) => bytes_buffer(env, v)?,
        };
        Ok(buffer.to_unknown())
    }

    #[napi(catch_unwind)]
    pub fn exists(&self, env: Env, hash: Unknown) -> napi::Result<bool> {
        let hash = convert::string(hash, "hash").or_throw(&env)?;
        Ok(self.store.exists(&hash))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn write_async(&self, env: Env, content: Unknown) -> napi::Result<AsyncTask<Job<String>>> {
        // A copy taken now: the caller may reuse its buffer as soon as this returns.
        let bytes = convert::bytes(content, "content").or_throw(&env)?.into_owned();
        let store = Arc::clone(&self.store);
        Ok(task::spawn(move || store.write(&bytes), string_js))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<Buffer | null>")]
    pub fn read_async(&self, env: Env, hash: Unknown) -> napi::Result<AsyncTask<Job<Option<Vec<u8>>>>> {
        let hash = convert::string(hash, "hash").or_throw(&env)?;
        let store = Arc::clone(&self.store);
        Ok(task::spawn(move || store.read(&hash), bytes_js))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn write_file(&self, env: Env, path: Unknown) -> napi::Result<AsyncTask<Job<String>>> {
        let path = PathBuf::from(convert::path(path, "path").or_throw(&env)?);
        let store = Arc::clone(&self.store);
        Ok(task::spawn(move || store.write_file(&path), string_js))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub fn read_to_file(&self, env: Env, hash: Unknown, path: Unknown) -> napi::Result<AsyncTask<Job<bool>>> {
        let hash = convert::string(hash, "hash").or_throw(&env)?;
        let path = PathBuf::from(convert::path(path, "path").or_throw(&env)?);
        let store = Arc::clone(&self.store);
        Ok(task::spawn(move || store.read_to_file(&hash, &path), bool_js))
    }
}
