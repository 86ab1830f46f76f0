//! `NativeLogStore`: the class behind `createLogStore`.

use super::convert::{self, field, SqlJs};
use super::errors::{error_object, OrThrow};
use super::rows::rows_value;
use super::task::{self, Job};
use crate::core::archive::{ArchiveOptions, ArchiveResult};
use crate::core::group_commit::{lock, GroupCommit, SharedStore};
use crate::core::js_json::MAX_SAFE_INTEGER;
use crate::core::log_store::{LogQuery, LogStore, NewEntry, RunUpdate, WorkflowRunRow, WorkflowRunStatus};
use crate::core::row_batch::LogRowBatch;
use crate::core::thread::ThreadList;
use crate::core::{Error, Result};
use napi::bindgen_prelude::{Array, AsyncTask, Env, Float64Array, Function, JsObjectValue, JsValue, Object, ToNapiValue, Unknown};
use napi::sys;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi_derive::napi;
use rusqlite::types::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Rows `archiveLogsAsync` moves per transaction before it lets other calls at the store.
const ASYNC_ARCHIVE_ROWS: usize = 20_000;

#[napi]
pub struct NativeLogStore {
    store: SharedStore,
    /// Started by the first `appendAsync`. Behind a lock so that every method takes `&self`:
    /// napi-rs refuses a `&mut self` call while a `queryAsync` task still borrows the object, which
    /// made `close()` and `appendAsync` fail with "cannot be borrowed mutably" during a query.
    group: Mutex<Option<GroupCommit>>,
}

/// Reads every field before converting any, as the reference does when it builds its bind object.
/// `name` is how messages refer to the entry (`entry`, `entries[3]`).
fn entry_from(env: &Env, entry: &Object<'_>, name: &str) -> napi::Result<NewEntry> {
    let (source, kind, ref_id, payload, timestamp) = (
        field(env, entry, name, "source")?,
        field(env, entry, name, "type")?,
        field(env, entry, name, "refId")?,
        field(env, entry, name, "payload")?,
        field(env, entry, name, "timestamp")?,
    );
    // Argument names are only needed for a message; build them only then.
    let named = |e: Error, key: &str| e.renamed("entry", name, key);
    Ok(NewEntry {
        source: convert::string(source, "entry.source").map_err(|e| named(e, "source")).or_throw(env)?,
        kind: convert::string(kind, "entry.type").map_err(|e| named(e, "type")).or_throw(env)?,
        ref_id: convert::nullable_string(ref_id, "entry.refId").map_err(|e| named(e, "refId")).or_throw(env)?,
        payload: convert::nullable_string(payload, "entry.payload").map_err(|e| named(e, "payload")).or_throw(env)?,
        timestamp: convert::number(timestamp, "entry.timestamp").map_err(|e| named(e, "timestamp")).or_throw(env)?,
    })
}

fn query_from(env: &Env, filter: Unknown) -> napi::Result<LogQuery> {
    if convert::is_undefined(&filter) {
        return Ok(LogQuery::default());
    }
    let f = convert::object(filter, "filter").or_throw(env)?;
    // Every field is read before any is converted, as the reference builds its WHERE first.
    // A getter that throws stops the reading there, as it stops the reference's.
    let (source, kind, ref_id, since, until, limit) = (
        field(env, &f, "filter", "source")?,
        field(env, &f, "filter", "type")?,
        field(env, &f, "filter", "refId")?,
        field(env, &f, "filter", "since")?,
        field(env, &f, "filter", "until")?,
        field(env, &f, "filter", "limit")?,
    );
    let text = |v: Unknown, n: &str| convert::nullable_string(v, n);
    let num = |v: Unknown, n: &str| convert::nullable_number(v, n);
    Ok(LogQuery {
        source: optional(env, source, "filter.source", text)?,
        kind: optional(env, kind, "filter.type", text)?,
        ref_id: optional(env, ref_id, "filter.refId", text)?,
        since: optional(env, since, "filter.since", num)?,
        until: optional(env, until, "filter.until", num)?,
        limit: optional(env, limit, "filter.limit", convert::number)?,
    })
}

fn archive_options(env: &Env, options: Unknown) -> napi::Result<ArchiveOptions> {
    if convert::is_undefined(&options) {
        return Ok(ArchiveOptions::default());
    }
    let o = convert::object(options, "options").or_throw(env)?;
    let now = optional(env, field(env, &o, "options", "now")?, "options.now", convert::number)?;
    let vacuum = optional(env, field(env, &o, "options", "vacuum")?, "options.vacuum", convert::boolean)?;
    let max_days = optional(env, field(env, &o, "options", "maxDays")?, "options.maxDays", convert::number)?;
    let retention_ms = optional(env, field(env, &o, "options", "retentionMs")?, "options.retentionMs", convert::number)?;
    Ok(ArchiveOptions { now, vacuum: vacuum.unwrap_or(false), max_days, retention_ms })
}

fn archive_value<'e>(env: &'e Env, result: ArchiveResult) -> napi::Result<Unknown<'e>> {
    let mut days = env.create_array(result.days.len() as u32)?;
    for (i, d) in result.days.into_iter().enumerate() {
        let mut obj = Object::new(env)?;
        obj.set_named_property("day", d.day)?;
        obj.set_named_property("rowCount", d.row_count as f64)?;
        obj.set_named_property("filePath", d.file_path.to_string_lossy().into_owned())?;
        days.set(i as u32, obj)?;
    }
    let mut out = Object::new(env)?;
    out.set_named_property("days", days)?;
    out.set_named_property("vacuumed", result.vacuumed)?;
    Ok(out.to_unknown())
}

fn query_rows(store: &SharedStore, q: &LogQuery) -> Result<LogRowBatch> {
    let hint = q.limit.filter(|l| *l >= 0.0 && l.is_finite()).map_or(0, |l| l as usize);
    let mut batch = LogRowBatch::with_capacity(hint);
    lock(store).query_each(q, |row| batch.push(row))?;
    batch.finish();
    Ok(batch)
}

/// One appended row's outcome as JavaScript sees it: its id, or the Error it failed with.
pub struct Outcome(Result<i64>);

impl ToNapiValue for Outcome {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        match val.0 {
            Ok(id) => unsafe { f64::to_napi_value(env, id as f64) },
            Err(e) => {
                let env = Env::from_raw(env);
                let obj = error_object(&env, e)?;
                Ok(obj.raw())
            }
        }
    }
}

/// `[generation, lastId, "[payload,...]"]` for the facade's thread caches. A generation of -1
/// tells it not to keep the list (an id it could not hand back exactly, or a read it could not
/// tie to one data version).
fn delta_value<'e>(env: &'e Env, d: crate::core::thread::PayloadDelta) -> napi::Result<Array<'e>> {
    let exact = d.keep && (d.last_id == i64::MIN || d.last_id.unsigned_abs() <= MAX_SAFE_INTEGER as u64);
    let mut arr = env.create_array(4)?;
    arr.set(0, if exact { d.generation as f64 } else { -1.0 })?;
    arr.set(1, d.last_id as f64)?;
    arr.set(2, json_array(d.payloads))?;
    arr.set(3, d.reset)?;
    Ok(arr)
}

fn run_from(env: &Env, run: &Object<'_>) -> napi::Result<RunUpdate> {
    let (run_id, workflow, status, timestamp, exit_code) = (
        field(env, run, "run", "runId")?,
        field(env, run, "run", "workflow")?,
        field(env, run, "run", "status")?,
        field(env, run, "run", "timestamp")?,
        field(env, run, "run", "exitCode")?,
    );
    let status_text = convert::string(status, "run.status").or_throw(env)?;
    let status = WorkflowRunStatus::parse(&status_text)
        .ok_or_else(|| {
            let names: Vec<_> = WorkflowRunStatus::ALL.iter().map(|s| format!("'{}'", s.as_str())).collect();
            Error::arg_value("run.status", &format!("one of {}", names.join(", ")), &format!("'{status_text}'"))
        })
        .or_throw(env)?;
    Ok(RunUpdate {
        run_id: convert::string(run_id, "run.runId").or_throw(env)?,
        workflow: convert::string(workflow, "run.workflow").or_throw(env)?,
        status,
        timestamp: convert::number(timestamp, "run.timestamp").or_throw(env)?,
        exit_code: convert::nullable_number(exit_code, "run.exitCode").or_throw(env)?,
    })
}

/// `obj[key] = v` with the JavaScript value node:sqlite would give for `v`.
pub(super) fn set_sql(env: &Env, obj: &mut Object<'_>, key: &str, v: Value) -> napi::Result<()> {
    obj.set_named_property(key, SqlJs::from_sql(v).or_throw(env)?)
}

fn run_object<'e>(env: &'e Env, row: WorkflowRunRow) -> napi::Result<Object<'e>> {
    let mut obj = Object::new(env)?;
    set_sql(env, &mut obj, "runId", row.run_id)?;
    set_sql(env, &mut obj, "workflow", row.workflow)?;
    obj.set_named_property("status", row.status.as_str())?;
    set_sql(env, &mut obj, "timestamp", row.timestamp)?;
    set_sql(env, &mut obj, "exitCode", row.exit_code)?;
    Ok(obj)
}

fn run_array<'e>(env: &'e Env, rows: Vec<WorkflowRunRow>) -> napi::Result<Array<'e>> {
    let mut arr = env.create_array(rows.len() as u32)?;
    for (i, row) in rows.into_iter().enumerate() {
        arr.set(i as u32, run_object(env, row)?)?;
    }
    Ok(arr)
}

/// `[p1,p2,...]`: one `JSON.parse` in the facade yields every payload, with JavaScript's own rules.
fn json_array(payloads: Vec<String>) -> String {
    format!("[{}]", payloads.join(","))
}

/// An optional argument: `None` when `undefined`, else converted by `f`.
fn optional<'a, T>(env: &Env, v: Unknown<'a>, name: &str, f: impl FnOnce(Unknown<'a>, &str) -> Result<T>) -> napi::Result<Option<T>> {
    convert::optional(v, |v| f(v, name)).or_throw(env)
}

impl NativeLogStore {
    fn inner(&self) -> MutexGuard<'_, LogStore> {
        lock(&self.store)
    }

    fn group(&self) -> MutexGuard<'_, Option<GroupCommit>> {
        self.group.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A string argument of a call that node:sqlite serves from a prepared statement: on a closed
    /// store that fails first, whatever the argument.
    fn stmt_string_arg(&self, env: &Env, v: Unknown<'_>, name: &str) -> napi::Result<String> {
        self.inner().check_statements().or_throw(env)?;
        convert::string(v, name).or_throw(env)
    }

    fn thread_since(&self, env: &Env, list: ThreadList, run_id: Unknown, generation: f64, after: f64) -> napi::Result<crate::core::thread::PayloadDelta> {
        let run_id = self.stmt_string_arg(env, run_id, "runId")?;
        let known = (generation >= 0.0).then_some((generation as u64, after as i64));
        self.inner().thread_payloads_since(list, &run_id, known).or_throw(env)
    }
}

#[napi]
impl NativeLogStore {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, db_path: Unknown) -> napi::Result<Self> {
        let path = convert::path(db_path, "dbPath").or_throw(&env)?;
        let inner = LogStore::open(path).or_throw(&env)?;
        Ok(NativeLogStore { store: Arc::new(Mutex::new(inner)), group: Mutex::new(None) })
    }

    #[napi(catch_unwind)]
    pub fn append(&self, env: Env, entry: Unknown) -> napi::Result<f64> {
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        self.inner().check_statements().or_throw(&env)?;
        let entry = entry_from(&env, &entry, "entry")?;
        self.inner().append(&entry).map(|id| id as f64).or_throw(&env)
    }

    /// Ids of the inserted rows, in order; nothing is stored unless every entry is.
    #[napi(catch_unwind)]
    pub fn append_many(&self, env: Env, entries: Unknown) -> napi::Result<Vec<f64>> {
        let list = convert::array(entries, "entries").or_throw(&env)?;
        self.inner().check_database().or_throw(&env)?;
        let mut parsed = Vec::with_capacity(list.len() as usize);
        for i in 0..list.len() {
            let name = format!("entries[{i}]");
            let item: Unknown = match list.get(i) {
                Ok(item) => item.ok_or_else(|| napi::Error::from_reason("array element vanished"))?,
                Err(e) if e.status == napi::Status::PendingException => return Err(super::errors::rethrow_unreadable(&env, &name)),
                Err(e) => return Err(e),
            };
            let obj = convert::object(item, &name).or_throw(&env)?;
            let entry = entry_from(&env, &obj, &name)?;
            entry.validate_as(&name).or_throw(&env)?;
            parsed.push(entry);
        }
        let ids = self.inner().append_many(&parsed).or_throw(&env)?;
        Ok(ids.into_iter().map(|id| id as f64).collect())
    }

    /// Starts the group-commit writer. After each commit `on_committed([seqs, outcomes])` runs on
    /// the JavaScript thread: for each sequence number, the row's id or the Error it failed with.
    /// The callback does not keep the event loop alive; the facade does while appends are pending.
    #[napi(catch_unwind)]
    pub fn start_group_commit(&self, env: Env, on_committed: Function<'_, (Float64Array, Vec<Outcome>), ()>) -> napi::Result<()> {
        self.inner().check_statements().or_throw(&env)?;
        let mut group = self.group();
        if group.is_some() {
            return Ok(());
        }
        let tsfn = on_committed
            .build_threadsafe_function::<Vec<(u64, Result<i64>)>>()
            .callee_handled::<false>()
            .weak::<true>()
            .build_callback(|ctx| {
                let (seqs, outcomes): (Vec<f64>, Vec<Outcome>) = ctx.value.into_iter().map(|(seq, r)| (seq as f64, Outcome(r))).unzip();
                Ok((Float64Array::new(seqs), outcomes))
            })?;
        let sink = Box::new(move |batch| {
            tsfn.call(batch, ThreadsafeFunctionCallMode::NonBlocking);
        });
        *group = Some(GroupCommit::start(self.store.clone(), sink).or_throw(&env)?);
        Ok(())
    }

    /// Queues the entry for the next group commit and returns its sequence number.
    #[napi(catch_unwind)]
    pub fn append_queued(&self, env: Env, entry: Unknown) -> napi::Result<f64> {
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        self.inner().check_statements().or_throw(&env)?;
        let entry = entry_from(&env, &entry, "entry")?;
        entry.validate().or_throw(&env)?;
        let mut group = self.group();
        let group = group.as_mut().ok_or_else(|| napi::Error::from_reason("startGroupCommit was not called"))?;
        group.submit(entry).map(|seq| seq as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn query<'e>(&self, env: &'e Env, filter: Unknown) -> napi::Result<Unknown<'e>> {
        let q = query_from(env, filter)?;
        let batch = query_rows(&self.store, &q).or_throw(env)?;
        rows_value(env, batch)
    }

    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn query_async(&self, env: Env, filter: Unknown) -> napi::Result<AsyncTask<Job<LogRowBatch>>> {
        let q = query_from(&env, filter)?;
        let store = self.store.clone();
        Ok(task::spawn(move || query_rows(&store, &q), rows_value))
    }

    #[napi(catch_unwind)]
    pub fn get_meta(&self, env: Env, key: Unknown) -> napi::Result<SqlJs> {
        let key = self.stmt_string_arg(&env, key, "key")?;
        let value = self.inner().get_meta_value(&key).or_throw(&env)?;
        SqlJs::from_sql(value.unwrap_or(Value::Null)).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn set_meta(&self, env: Env, key: Unknown, value: Unknown) -> napi::Result<()> {
        let key = self.stmt_string_arg(&env, key, "key")?;
        let value = convert::string(value, "value").or_throw(&env)?;
        self.inner().set_meta(&key, &value).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn upsert_workflow_run(&self, env: Env, entry: Unknown, run: Unknown) -> napi::Result<f64> {
        self.inner().check_database().or_throw(&env)?;
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        let run = convert::object(run, "run").or_throw(&env)?;
        let entry = entry_from(&env, &entry, "entry")?;
        let run = run_from(&env, &run)?;
        self.inner().upsert_workflow_run(&entry, &run).map(|id| id as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn get_workflow_run<'e>(&self, env: &'e Env, run_id: Unknown) -> napi::Result<Option<Object<'e>>> {
        let run_id = self.stmt_string_arg(env, run_id, "runId")?;
        let row = self.inner().get_workflow_run(&run_id).or_throw(env)?;
        row.map(|row| run_object(env, row)).transpose()
    }

    #[napi(catch_unwind)]
    pub fn get_active_workflow_runs<'e>(&self, env: &'e Env, workflow_name: Unknown) -> napi::Result<Array<'e>> {
        self.inner().check_statements().or_throw(env)?;
        let name = convert::optional(workflow_name, |v| convert::nullable_string(v, "workflowName")).or_throw(env)?;
        let rows = self.inner().get_active_workflow_runs(name.as_ref().map(|n| n.as_deref())).or_throw(env)?;
        run_array(env, rows)
    }

    #[napi(catch_unwind)]
    pub fn get_all_workflow_runs<'e>(&self, env: &'e Env, workflow_name: Unknown) -> napi::Result<Array<'e>> {
        self.inner().check_statements().or_throw(env)?;
        let name = convert::nullable_string(workflow_name, "workflowName").or_throw(env)?;
        let rows = self.inner().get_all_workflow_runs(name.as_deref()).or_throw(env)?;
        run_array(env, rows)
    }

    #[napi(catch_unwind)]
    pub fn trigger_payload(&self, env: Env, run_id: Unknown) -> napi::Result<Option<String>> {
        let run_id = self.stmt_string_arg(&env, run_id, "runId")?;
        self.inner().trigger_payload(&run_id).or_throw(&env)
    }

    /// The run's command-event payloads after `(generation, after)`, see `delta_value`.
    #[napi(catch_unwind)]
    pub fn thread_events_since<'e>(&self, env: &'e Env, run_id: Unknown, generation: f64, after: f64) -> napi::Result<Array<'e>> {
        let delta = self.thread_since(env, ThreadList::Events, run_id, generation, after)?;
        delta_value(env, delta)
    }

    /// The run's workflow-message payloads after `(generation, after)`, see `delta_value`.
    #[napi(catch_unwind)]
    pub fn thread_messages_since<'e>(&self, env: &'e Env, run_id: Unknown, generation: f64, after: f64) -> napi::Result<Array<'e>> {
        let delta = self.thread_since(env, ThreadList::Messages, run_id, generation, after)?;
        delta_value(env, delta)
    }

    #[napi(catch_unwind)]
    pub fn thread_round_count(&self, env: Env, run_id: Unknown) -> napi::Result<f64> {
        let run_id = self.stmt_string_arg(&env, run_id, "runId")?;
        self.inner().thread_round_count(&run_id).map(|c| c as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_rounds<'e>(&self, env: &'e Env, run_id: Unknown, params: Unknown) -> napi::Result<Array<'e>> {
        let params = convert::object(params, "params").or_throw(env)?;
        // The reference reads `limit` alone when it is below 1.
        let limit = convert::number(field(env, &params, "params", "limit")?, "params.limit").or_throw(env)?;
        if limit < 1.0 {
            return env.create_array(0);
        }
        let before = field(env, &params, "params", "before")?;
        let run_id = convert::string(run_id, "runId").or_throw(env)?;
        let before = convert::number(before, "params.before").or_throw(env)?;
        let rows = self.inner().thread_rounds(&run_id, before, limit).or_throw(env)?;
        let mut arr = env.create_array(rows.len() as u32)?;
        for (i, row) in rows.into_iter().enumerate() {
            let mut obj = Object::new(env)?;
            obj.set_named_property("round", row.round as f64)?;
            set_sql(env, &mut obj, "logId", row.log_id)?;
            set_sql(env, &mut obj, "timestamp", row.timestamp)?;
            obj.set_named_property("payload", row.payload)?;
            arr.set(i as u32, obj)?;
        }
        Ok(arr)
    }

    /// `archiveDir` comes from the facade, computed with `node:path` exactly as the reference does.
    #[napi(catch_unwind)]
    pub fn archive_logs<'e>(&self, env: &'e Env, options: Unknown, archive_dir: String) -> napi::Result<Unknown<'e>> {
        let opts = archive_options(env, options)?;
        let result = self.inner().archive_logs(&opts, Path::new(&archive_dir)).or_throw(env)?;
        archive_value(env, result)
    }

    /// Like `archiveLogs`, on a background thread of its own. The store is locked for a few days
    /// (about `ASYNC_ARCHIVE_ROWS` rows) at a time, so other calls get in between.
    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn archive_logs_async<'e>(&self, env: &'e Env, options: Unknown, archive_dir: String) -> napi::Result<Object<'e>> {
        let opts = archive_options(env, options)?;
        let store = self.store.clone();
        let dir = PathBuf::from(archive_dir);
        let work = move || {
            let mut run = lock(&store).archive_begin(&opts, &dir)?;
            while run.step(&mut lock(&store), ASYNC_ARCHIVE_ROWS)? {}
            run.finish(&mut lock(&store))
        };
        task::spawn_background(env, work, archive_value)
    }

    /// Commits the appends still in flight, then closes.
    #[napi(catch_unwind)]
    pub fn close(&self, env: Env) -> napi::Result<()> {
        let group = self.group().take();
        if let Some(mut group) = group {
            group.shutdown();
        }
        self.inner().close().or_throw(&env)
    }
}
