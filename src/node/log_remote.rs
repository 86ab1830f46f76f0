//! The log store's remote members: `remoteStatus()` and `syncRemote()` for its archive days.

use super::errors::OrThrow;
use super::log_store::NativeLogStore;
use super::remote::status_value;
use super::task::{self, Job};
use crate::core::{store_id, DaysVerified, LogStore, RemoteDays, RemoteStatus, REMOTE_ASYNC_TIMEOUT};
use napi::bindgen_prelude::{AsyncTask, Env, JsObjectValue, JsValue, Object, Unknown};
use napi_derive::napi;
use std::path::Path;
use std::sync::Arc;

/// Starts the archive's uploader when `options.remote` was given. A read-only store uploads
/// nothing (it may not write the store id, nor the queue).
pub fn start(
    env: &Env,
    store: &LogStore,
    remote: super::remote::RemoteOption,
    archive_dir: &Path,
) -> napi::Result<Option<Arc<RemoteDays>>> {
    let Some((remote, wanted_id)) = remote else { return Ok(None) };
    if store.is_read_only() {
        return Ok(None);
    }
    let id = store_id(store, wanted_id.as_deref()).or_throw(env)?;
    Ok(Some(Arc::new(RemoteDays::start(store.path(), archive_dir, id, remote))))
}

type Reply = (Option<String>, Option<RemoteStatus>);

fn reply<'e>(env: &'e Env, (url, status): Reply) -> napi::Result<Unknown<'e>> {
    status_value(env, url, status)
}

#[napi]
impl NativeLogStore {
    /// `{ enabled, url, storeId, uploaded, pending, failed, lastError }` for the archive days, now.
    #[napi(catch_unwind, ts_return_type = "RemoteStatus")]
    pub fn remote_status<'e>(&self, env: &'e Env) -> napi::Result<Unknown<'e>> {
        let r = self.remote.as_ref();
        reply(env, (r.map(|r| r.url()), r.map(|r| r.status())))
    }

    /// `{ enabled, days, missing, differing }`: every archive day checked against its remote copy
    /// (see [`RemoteDays::verify`]), off the JavaScript thread; `enabled: false` without a remote.
    #[napi(catch_unwind, ts_return_type = "Promise<RemoteDaysVerified>")]
    pub fn verify_remote(&self) -> AsyncTask<Job<Option<DaysVerified>>> {
        let r = self.remote.clone();
        task::spawn(
            move || match r {
                Some(r) => r.wait("verifying the archive days", REMOTE_ASYNC_TIMEOUT, r.verify()).map(Some),
                None => Ok(None),
            },
            |env, v| {
                let mut obj = Object::new(env)?;
                obj.set_named_property("enabled", v.is_some())?;
                let v = v.unwrap_or_default();
                obj.set_named_property("days", v.days as f64)?;
                obj.set_named_property("missing", v.missing)?;
                obj.set_named_property("differing", v.differing)?;
                Ok(obj.to_unknown())
            },
        )
    }

    /// Settles once every day archived before the call is verified remote, or its upload failed
    /// in a pass that started after the call.
    #[napi(catch_unwind, ts_return_type = "Promise<RemoteStatus>")]
    pub fn sync_remote(&self) -> AsyncTask<Job<Reply>> {
        let r = self.remote.clone();
        task::spawn(move || Ok((r.as_ref().map(|r| r.url()), r.map(|r| r.sync()))), reply)
    }
}
