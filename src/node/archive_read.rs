//! The archive's reads and `iterate`, as a second `#[napi]` block of `NativeLogStore`, and
//! `NativeLogCursor`, the batches behind `iterate`.

use super::args;
use super::errors::OrThrow;
use super::log_store::NativeLogStore;
use super::rows::{rows_value, rows_value_sliced};
use super::task::{self, Job};
use crate::core::{
    list_archive_days, lock, read_archive, LogCursor, LogRowBatch, Member, RemoteDays, Result, SharedStore,
    REMOTE_ASYNC_TIMEOUT,
};
use napi::bindgen_prelude::{Array, AsyncTask, Env, JsObjectValue, Null, Object, ToNapiValue, Unknown};
use napi_derive::napi;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Rows per `iterate` batch unless `options.batchSize` says otherwise: large enough that the
/// round trip to the thread pool costs little, small enough that building its objects takes
/// well under a millisecond.
const DEFAULT_BATCH: usize = 1000;

/// `[{ day, bytes }]`, and `remote: true` on the days only the remote holds.
fn days_array<'e>(env: &'e Env, dir: &Path, remote: Option<&RemoteDays>) -> napi::Result<Array<'e>> {
    let mut days = list_archive_days(dir).or_throw(env)?;
    if let Some(r) = remote {
        days = r.with_evicted(days).or_throw(env)?;
    }
    let mut arr = env.create_array(days.len() as u32)?;
    for (i, d) in days.into_iter().enumerate() {
        let mut obj = Object::new(env)?;
        obj.set_named_property("day", d.day)?;
        obj.set_named_property("bytes", d.bytes as f64)?;
        if d.remote_only {
            obj.set_named_property("remote", true)?;
        }
        arr.set(i as u32, obj)?;
    }
    Ok(arr)
}

#[napi]
impl NativeLogStore {
    /// `archiveDir` comes from the facade, computed with `node:path` as for `archiveLogs`.
    #[napi(catch_unwind)]
    pub fn list_archive_days<'e>(&self, env: &'e Env, archive_dir: String) -> napi::Result<Array<'e>> {
        self.ready(env, Member::ReadArchive)?;
        days_array(env, Path::new(&archive_dir), self.remote.as_deref())
    }

    #[napi(catch_unwind)]
    pub fn read_archive<'e>(&self, env: &'e Env, filter: Unknown, archive_dir: String) -> napi::Result<Unknown<'e>> {
        self.ready(env, Member::ReadArchive)?;
        let q = args::query(env, filter)?;
        // Days evicted after their upload are fetched (waiting at most `remote.timeoutMs`).
        if let Some(r) = &self.remote {
            r.fill_cache(&q, false, r.timeout()).or_throw(env)?;
        }
        let batch = read_archive(Path::new(&archive_dir), &q).or_throw(env)?;
        rows_value(env, batch)
    }

    /// Fetches the remote's archived days that `filter` needs into the archive's cache folder,
    /// off the JavaScript thread (`iterate` does this before its first batch); resolves to how
    /// many days were fetched, 0 without a remote.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub fn fill_remote_cache(&self, env: Env, filter: Unknown) -> napi::Result<AsyncTask<Job<f64>>> {
        self.ready(&env, Member::Iterate)?;
        let q = args::query(&env, filter)?;
        let remote = self.remote.clone();
        Ok(task::spawn(
            move || remote.map_or(Ok(0.0), |r| r.fill_cache(&q, true, REMOTE_ASYNC_TIMEOUT).map(|n| n as f64)),
            |env, n| n.into_unknown(env),
        ))
    }

    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn read_archive_async(
        &self,
        env: Env,
        filter: Unknown,
        archive_dir: String,
    ) -> napi::Result<AsyncTask<Job<LogRowBatch>>> {
        self.ready(&env, Member::ReadArchive)?;
        let q = args::query(&env, filter)?;
        let dir = PathBuf::from(archive_dir);
        let remote = self.remote.clone();
        Ok(task::spawn(
            move || {
                if let Some(r) = remote {
                    r.fill_cache(&q, true, REMOTE_ASYNC_TIMEOUT)?;
                }
                read_archive(&dir, &q)
            },
            rows_value_sliced,
        ))
    }

    /// A cursor over the matching rows; `archiveDir` is read first when `options.includeArchive`.
    #[napi(catch_unwind)]
    pub fn open_cursor(
        &self,
        env: Env,
        filter: Unknown,
        options: Unknown,
        archive_dir: String,
    ) -> napi::Result<NativeLogCursor> {
        self.ready(&env, Member::Iterate)?;
        let q = args::query(&env, filter)?;
        let (include_archive, batch) = args::iterate_options(&env, options, DEFAULT_BATCH)?;
        let dir = include_archive.then(|| PathBuf::from(archive_dir));
        let cursor = LogCursor::open(&lock(&self.store), dir.as_deref(), q, batch).or_throw(&env)?;
        Ok(NativeLogCursor { cursor: Arc::new(Mutex::new(cursor)), store: self.store.clone() })
    }
}

#[napi]
pub struct NativeLogCursor {
    cursor: Arc<Mutex<LogCursor>>,
    store: SharedStore,
}

fn batch_or_null(env: &Env, batch: Option<LogRowBatch>) -> napi::Result<Unknown<'_>> {
    match batch {
        Some(batch) => rows_value(env, batch),
        // SAFETY: a null value created in this env, used in the same call.
        None => unsafe { Ok(Unknown::from_raw_unchecked(env.raw(), Null::to_napi_value(env.raw(), Null)?)) },
    }
}

fn next_batch(cursor: &Mutex<LogCursor>, store: &SharedStore) -> Result<Option<LogRowBatch>> {
    cursor.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).next_batch(store)
}

#[napi]
impl NativeLogCursor {
    /// The next batch (a row batch, see `lib/rows.js`), or `null` at the end; read on a thread
    /// of lower priority, so on a busy machine the JavaScript thread is not kept waiting behind
    /// a walk over the whole log. The facade asks for one batch at a time.
    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn next_batch<'e>(&self, env: &'e Env) -> napi::Result<Object<'e>> {
        let (cursor, store) = (self.cursor.clone(), self.store.clone());
        task::spawn_background(env, move || next_batch(&cursor, &store), batch_or_null)
    }
}
