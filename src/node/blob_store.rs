//! `NativeBlobStore`: the class behind `createBlobStore`, and `normalizeBlobHash`. `read` and
//! `exists` are plain Node-API functions (`blob_hot.rs`), where a benchmark shows that pays.
//!
//! The promise-returning members run the core's work on the libuv thread pool through `task.rs`,
//! as the log store's do, and settle on the JavaScript thread with the same values and errors as
//! the synchronous calls.

use super::blob_hot::HotFunctions;
use super::convert;
use super::errors::OrThrow;
use super::remote::{remote, status_value};
use super::task::{self, Job};
use crate::core::{normalize_blob_hash as normalize, RemoteStatus, TieredBlobs, Wait};
use napi::bindgen_prelude::{AsyncTask, BufferSlice, Env, JsValue, Null, ToNapiValue, Unknown};
use napi_derive::napi;
use std::path::PathBuf;
use std::sync::Arc;

/// Blobs up to this size are copied into a Buffer; larger ones are handed to Node as they are.
const COPY_MAX: usize = 64 << 10;

#[napi]
pub struct NativeBlobStore {
    store: Arc<TieredBlobs>,
    /// `options.remote.url` as resolved, for `remoteStatus()`.
    remote_url: Option<String>,
}

#[napi(catch_unwind)]
pub fn normalize_blob_hash(env: Env, hash: Unknown) -> napi::Result<Option<String>> {
    let hash = convert::string(hash, "hash").or_throw(&env)?;
    Ok(normalize(&hash))
}

/// Bytes as a Buffer: large ones handed over as they are, small ones copied.
fn bytes_buffer(env: &Env, bytes: Vec<u8>) -> napi::Result<BufferSlice<'_>> {
    if bytes.len() > COPY_MAX {
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
    pub fn new(env: Env, root: Unknown, options: Unknown) -> napi::Result<Self> {
        let root = convert::path(root, "blobsRoot").or_throw(&env)?;
        let remote = if convert::is_undefined(&options) {
            None
        } else {
            let o = convert::object(options, "options").or_throw(&env)?;
            remote(&env, &o, "options.remote")?.map(|(r, _)| r)
        };
        let remote_url = remote.as_ref().map(|r| r.config.url());
        Ok(NativeBlobStore { store: Arc::new(TieredBlobs::new(std::path::Path::new(&root), remote)), remote_url })
    }

    #[napi(catch_unwind)]
    pub fn write(&self, env: Env, content: Unknown) -> napi::Result<String> {
        let bytes = convert::bytes(content, "content").or_throw(&env)?;
        self.store.write(&bytes).or_throw(&env)
    }

    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub fn exists_async(&self, env: Env, hash: Unknown) -> napi::Result<AsyncTask<Job<bool>>> {
        let hash = convert::string(hash, "hash").or_throw(&env)?;
        let store = Arc::clone(&self.store);
        Ok(task::spawn(move || store.exists(&hash, Wait::Async), bool_js))
    }

    /// `{ enabled, url, uploaded, pending, failed, lastError }` now, without waiting.
    #[napi(catch_unwind, ts_return_type = "RemoteStatus")]
    pub fn remote_status<'e>(&self, env: &'e Env) -> napi::Result<Unknown<'e>> {
        status_value(env, self.remote_url.clone(), self.store.status())
    }

    /// Settles once every blob written before the call is verified remote, or its upload failed
    /// in a pass that started after the call.
    #[napi(catch_unwind, ts_return_type = "Promise<RemoteStatus>")]
    pub fn sync_remote(&self) -> AsyncTask<Job<(Option<String>, Option<RemoteStatus>)>> {
        let store = Arc::clone(&self.store);
        let url = self.remote_url.clone();
        task::spawn(move || Ok((url, store.sync())), |env, (url, s)| status_value(env, url, s))
    }

    /// Queues every local blob the upload log does not name (every local blob with `all`) and
    /// waits for the pass that sends them; resolves to how many were queued.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub fn push_remote(&self, env: Env, all: Option<bool>) -> napi::Result<AsyncTask<Job<f64>>> {
        if self.store.remote().is_none() {
            return Err(super::errors::throw(
                &env,
                crate::core::Error::coded("ERR_REMOTE_OFF", "this blob store was opened without options.remote".into()),
            ));
        }
        let store = Arc::clone(&self.store);
        let all = all.unwrap_or(false);
        Ok(task::spawn(
            move || store.remote().map_or(Ok(0), |r| r.push(all)).map(|n| n as f64),
            |env, n| n.into_unknown(env),
        ))
    }

    /// `{ read, exists }` for this store, as plain Node-API functions (see `blob_hot.rs`).
    #[napi(catch_unwind, ts_return_type = "{ read(hash: unknown): Buffer | null; exists(hash: unknown): boolean }")]
    pub fn hot_functions(&self) -> HotFunctions {
        HotFunctions(Arc::clone(&self.store))
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
        Ok(task::spawn(move || store.read(&hash, Wait::Async), bytes_js))
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
