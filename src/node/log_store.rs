//! `NativeLogStore`: the class behind `createLogStore`.

use super::args;
use super::convert::{self, field, SqlJs};
use super::errors::OrThrow;
use super::rows::{rows_value, rows_value_sliced};
use super::search::SharedSearch;
use super::task::{self, Job};
use super::values::{archive_value, delta_value, plan_array, round_array, run_array, run_object, Outcome};
use crate::core::{
    archive_shared, lock, thread_rounds_wanted, GroupCommit, LogQuery, LogRowBatch, LogStore, Member, PayloadDelta,
    RemoteDays, Result, SearchIndex, SharedStore, ThreadList,
};
use napi::bindgen_prelude::{Array, AsyncTask, Env, Float64Array, Function, Object, Unknown};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi_derive::napi;
use rusqlite::types::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// Rows `archiveLogsAsync` moves per transaction before it lets other calls at the store.
const ASYNC_ARCHIVE_ROWS: usize = 20_000;

#[napi]
pub struct NativeLogStore {
    pub(super) store: SharedStore,
    /// Started by the first `appendAsync`. Behind a lock so that every method takes `&self`:
    /// napi-rs refuses a `&mut self` call while a `queryAsync` task still borrows the object, which
    /// made `close()` and `appendAsync` fail with "cannot be borrowed mutably" during a query.
    group: Mutex<Option<GroupCommit>>,
    /// The search index (see `search.rs`), behind its own lock: a search never waits for, nor
    /// holds up, the store's other calls.
    pub(super) search: SharedSearch,
    /// The archive's remote tier (`options.remote`; see `log_remote.rs`).
    pub(super) remote: Option<Arc<RemoteDays>>,
}

fn query_rows(store: &SharedStore, q: &LogQuery) -> Result<LogRowBatch> {
    let hint = q.limit.filter(|l| *l >= 0.0 && l.is_finite()).map_or(0, |l| l as usize);
    let mut batch = LogRowBatch::with_capacity(hint);
    lock(store).query_each(q, |row| batch.push(row))?;
    batch.finish();
    Ok(batch)
}

impl NativeLogStore {
    fn inner(&self) -> MutexGuard<'_, LogStore> {
        lock(&self.store)
    }

    fn group(&self) -> MutexGuard<'_, Option<GroupCommit>> {
        self.group.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The closed-store error of `member`, thrown before its arguments are converted.
    pub(super) fn ready(&self, env: &Env, member: Member) -> napi::Result<()> {
        self.inner().check_open(member).or_throw(env)
    }

    fn string_arg(&self, env: &Env, member: Member, v: Unknown<'_>, name: &str) -> napi::Result<String> {
        self.ready(env, member)?;
        convert::string(v, name).or_throw(env)
    }

    fn thread_since(
        &self,
        env: &Env,
        list: ThreadList,
        run_id: Unknown,
        generation: f64,
        after: f64,
    ) -> napi::Result<PayloadDelta> {
        let member = match list {
            ThreadList::Events => Member::GetThreadEvents,
            ThreadList::Messages => Member::GetThreadMessages,
        };
        let run_id = self.string_arg(env, member, run_id, "runId")?;
        let known = (generation >= 0.0).then_some((generation as u64, after as i64));
        self.inner().thread_payloads_since(list, &run_id, known).or_throw(env)
    }
}

#[napi]
impl NativeLogStore {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, db_path: Unknown, options: Unknown, archive_dir: Option<String>) -> napi::Result<Self> {
        let path = convert::path(db_path, "dbPath").or_throw(&env)?;
        let (open, remote) = args::open_options(&env, options)?;
        let inner = LogStore::open_with(path, open).or_throw(&env)?;
        // The facade passes the archive folder as node:path spells it; without it, the same folder.
        let archive_dir = archive_dir.map_or_else(|| crate::core::archive_dir_for(inner.path()), PathBuf::from);
        let remote = super::log_remote::start(&env, &inner, remote, &archive_dir)?;
        let search = Arc::new(Mutex::new(SearchIndex::new(inner.path())));
        Ok(NativeLogStore { store: Arc::new(Mutex::new(inner)), group: Mutex::new(None), search, remote })
    }

    #[napi(catch_unwind)]
    pub fn append(&self, env: Env, entry: Unknown) -> napi::Result<f64> {
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        self.ready(&env, Member::Append)?;
        let entry = args::entry(&env, &entry, "entry")?;
        self.inner().append(&entry).map(|id| id as f64).or_throw(&env)
    }

    /// Ids of the inserted rows, in order; nothing is stored unless every entry is.
    #[napi(catch_unwind)]
    pub fn append_many(&self, env: Env, entries: Unknown) -> napi::Result<Vec<f64>> {
        let list = convert::array(entries, "entries").or_throw(&env)?;
        self.ready(&env, Member::AppendMany)?;
        let entries = args::entries(&env, &list)?;
        let ids = self.inner().append_many(&entries).or_throw(&env)?;
        Ok(ids.into_iter().map(|id| id as f64).collect())
    }

    /// Starts the group-commit writer. After each commit `on_committed([seqs, outcomes])` runs on
    /// the JavaScript thread: for each sequence number, the row's id or the Error it failed with.
    /// The callback does not keep the event loop alive; the facade does while appends are pending.
    #[napi(catch_unwind)]
    pub fn start_group_commit(
        &self,
        env: Env,
        on_committed: Function<'_, (Float64Array, Vec<Outcome>), ()>,
    ) -> napi::Result<()> {
        self.ready(&env, Member::AppendAsync)?;
        let mut group = self.group();
        if group.is_some() {
            return Ok(());
        }
        let tsfn = on_committed
            .build_threadsafe_function::<Vec<(u64, Result<i64>)>>()
            .callee_handled::<false>()
            .weak::<true>()
            .build_callback(|ctx| {
                let (seqs, outcomes): (Vec<f64>, Vec<Outcome>) =
                    ctx.value.into_iter().map(|(seq, r)| (seq as f64, Outcome(r))).unzip();
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
        self.ready(&env, Member::AppendAsync)?;
        let entry = args::entry(&env, &entry, "entry")?;
        let mut group = self.group();
        let group = group.as_mut().ok_or_else(|| napi::Error::from_reason("startGroupCommit was not called"))?;
        group.submit(entry).map(|seq| seq as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn query<'e>(&self, env: &'e Env, filter: Unknown) -> napi::Result<Unknown<'e>> {
        let q = args::query(env, filter)?;
        let batch = query_rows(&self.store, &q).or_throw(env)?;
        rows_value(env, batch)
    }

    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn query_async(&self, env: Env, filter: Unknown) -> napi::Result<AsyncTask<Job<LogRowBatch>>> {
        let q = args::query(&env, filter)?;
        let store = self.store.clone();
        Ok(task::spawn(move || query_rows(&store, &q), rows_value_sliced))
    }

    #[napi(catch_unwind)]
    pub fn get_meta(&self, env: Env, key: Unknown) -> napi::Result<SqlJs> {
        let key = self.string_arg(&env, Member::GetMeta, key, "key")?;
        let value = self.inner().get_meta_value(&key).or_throw(&env)?;
        SqlJs::from_sql(value.unwrap_or(Value::Null)).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn set_meta(&self, env: Env, key: Unknown, value: Unknown) -> napi::Result<()> {
        let key = self.string_arg(&env, Member::SetMeta, key, "key")?;
        let value = convert::string(value, "value").or_throw(&env)?;
        self.inner().set_meta(&key, &value).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn upsert_workflow_run(&self, env: Env, entry: Unknown, run: Unknown) -> napi::Result<f64> {
        self.ready(&env, Member::UpsertWorkflowRun)?;
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        let run = convert::object(run, "run").or_throw(&env)?;
        let entry = args::entry(&env, &entry, "entry")?;
        let run = args::run(&env, &run)?;
        self.inner().upsert_workflow_run(&entry, &run).map(|id| id as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn get_workflow_run<'e>(&self, env: &'e Env, run_id: Unknown) -> napi::Result<Option<Object<'e>>> {
        let run_id = self.string_arg(env, Member::GetWorkflowRun, run_id, "runId")?;
        let row = self.inner().get_workflow_run(&run_id).or_throw(env)?;
        row.map(|row| run_object(env, row)).transpose()
    }

    #[napi(catch_unwind)]
    pub fn get_active_workflow_runs<'e>(&self, env: &'e Env, workflow_name: Unknown) -> napi::Result<Array<'e>> {
        self.ready(env, Member::GetActiveWorkflowRuns)?;
        let name = convert::optional(workflow_name, |v| convert::nullable_string(v, "workflowName")).or_throw(env)?;
        let rows = self.inner().get_active_workflow_runs(name.as_ref().map(|n| n.as_deref())).or_throw(env)?;
        run_array(env, rows)
    }

    #[napi(catch_unwind)]
    pub fn get_all_workflow_runs<'e>(&self, env: &'e Env, workflow_name: Unknown) -> napi::Result<Array<'e>> {
        self.ready(env, Member::GetAllWorkflowRuns)?;
        let name = convert::nullable_string(workflow_name, "workflowName").or_throw(env)?;
        let rows = self.inner().get_all_workflow_runs(name.as_deref()).or_throw(env)?;
        run_array(env, rows)
    }

    #[napi(catch_unwind)]
    pub fn trigger_payload(&self, env: Env, run_id: Unknown) -> napi::Result<Option<String>> {
        let run_id = self.string_arg(&env, Member::GetTriggerPayload, run_id, "runId")?;
        self.inner().trigger_payload(&run_id).or_throw(&env)
    }

    /// The run's command-event payloads after `(generation, after)`, see `values::delta_value`.
    #[napi(catch_unwind)]
    pub fn thread_events_since<'e>(
        &self,
        env: &'e Env,
        run_id: Unknown,
        generation: f64,
        after: f64,
    ) -> napi::Result<Array<'e>> {
        let delta = self.thread_since(env, ThreadList::Events, run_id, generation, after)?;
        delta_value(env, delta)
    }

    /// The run's workflow-message payloads after `(generation, after)`, see `values::delta_value`.
    #[napi(catch_unwind)]
    pub fn thread_messages_since<'e>(
        &self,
        env: &'e Env,
        run_id: Unknown,
        generation: f64,
        after: f64,
    ) -> napi::Result<Array<'e>> {
        let delta = self.thread_since(env, ThreadList::Messages, run_id, generation, after)?;
        delta_value(env, delta)
    }

    #[napi(catch_unwind)]
    pub fn thread_round_count(&self, env: Env, run_id: Unknown) -> napi::Result<f64> {
        let run_id = self.string_arg(&env, Member::GetThreadRoundCount, run_id, "runId")?;
        self.inner().thread_round_count(&run_id).map(|c| c as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_rounds<'e>(&self, env: &'e Env, run_id: Unknown, params: Unknown) -> napi::Result<Array<'e>> {
        let params = convert::object(params, "params").or_throw(env)?;
        let limit = convert::number(field(env, &params, "params", "limit")?, "params.limit").or_throw(env)?;
        if !thread_rounds_wanted(limit) {
            return env.create_array(0);
        }
        let before = field(env, &params, "params", "before")?;
        let run_id = convert::string(run_id, "runId").or_throw(env)?;
        let before = convert::number(before, "params.before").or_throw(env)?;
        let rows = self.inner().thread_rounds(&run_id, before, limit).or_throw(env)?;
        round_array(env, rows)
    }

    /// `archiveDir` comes from the facade, computed with `node:path` exactly as the reference does.
    #[napi(catch_unwind)]
    pub fn archive_logs<'e>(&self, env: &'e Env, options: Unknown, archive_dir: String) -> napi::Result<Unknown<'e>> {
        self.inner().check_writable(Member::ArchiveLogs).or_throw(env)?;
        let opts = args::archive_options(env, options)?;
        let result = self.inner().archive_logs(&opts, Path::new(&archive_dir)).or_throw(env)?;
        if let Some(r) = &self.remote {
            r.archived(&result).or_throw(env)?;
        }
        archive_value(env, result)
    }

    /// Like `archiveLogs`, on a background thread of its own that holds the store for about
    /// `ASYNC_ARCHIVE_ROWS` rows at a time, so other calls get in between.
    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn archive_logs_async<'e>(
        &self,
        env: &'e Env,
        options: Unknown,
        archive_dir: String,
    ) -> napi::Result<Object<'e>> {
        self.inner().check_writable(Member::ArchiveLogsAsync).or_throw(env)?;
        let opts = args::archive_options(env, options)?;
        let store = self.store.clone();
        let dir = PathBuf::from(archive_dir);
        let remote = self.remote.clone();
        task::spawn_background(
            env,
            move || {
                let result = archive_shared(&store, &opts, &dir, ASYNC_ARCHIVE_ROWS)?;
                if let Some(r) = remote {
                    r.archived(&result)?;
                }
                Ok(result)
            },
            archive_value,
        )
    }

    /// The days `archiveLogs(options)` would move now, with their row counts; changes nothing.
    #[napi(catch_unwind)]
    pub fn archive_plan<'e>(&self, env: &'e Env, options: Unknown) -> napi::Result<Array<'e>> {
        let opts = args::archive_options(env, options)?;
        let plan = self.inner().archive_plan(&opts).or_throw(env)?;
        plan_array(env, plan)
    }

    /// Commits the appends still in flight, then closes.
    #[napi(catch_unwind)]
    pub fn close(&self, env: Env) -> napi::Result<()> {
        let group = self.group().take();
        if let Some(mut group) = group {
            group.shutdown();
        }
        self.search.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).close();
        self.inner().close().or_throw(&env)
    }
}
