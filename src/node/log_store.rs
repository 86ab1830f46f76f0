//! `NativeLogStore`: the class behind `createLogStore`.

use super::convert::{self, field, SqlJs};
use super::errors::OrThrow;
use crate::core::archive::ArchiveOptions;
use crate::core::log_store::{LogQuery, LogRow, LogStore, NewEntry, RunUpdate, WorkflowRunRow, WorkflowRunStatus};
use crate::core::{Error, Result};
use napi::bindgen_prelude::{Array, Env, JsObjectValue, Object, Unknown};
use napi_derive::napi;
use rusqlite::types::Value;
use std::path::Path;

#[napi]
pub struct NativeLogStore {
    inner: LogStore,
}

fn entry_from(entry: &Object<'_>) -> napi::Result<Result<NewEntry>> {
    let (source, kind, ref_id, payload, timestamp) = (
        field(entry, "source")?,
        field(entry, "type")?,
        field(entry, "refId")?,
        field(entry, "payload")?,
        field(entry, "timestamp")?,
    );
    Ok((|| {
        Ok(NewEntry {
            source: convert::string(source, "entry.source")?,
            kind: convert::string(kind, "entry.type")?,
            ref_id: convert::nullable_string(ref_id, "entry.refId")?,
            payload: convert::nullable_string(payload, "entry.payload")?,
            timestamp: convert::number(timestamp, "entry.timestamp")?,
        })
    })())
}

fn run_from(run: &Object<'_>) -> napi::Result<Result<RunUpdate>> {
    let (run_id, workflow, status, timestamp, exit_code) = (
        field(run, "runId")?,
        field(run, "workflow")?,
        field(run, "status")?,
        field(run, "timestamp")?,
        field(run, "exitCode")?,
    );
    Ok((|| {
        let status_text = convert::string(status, "run.status")?;
        let status = WorkflowRunStatus::parse(&status_text).ok_or_else(|| {
            let names: Vec<_> = WorkflowRunStatus::ALL.iter().map(|s| format!("'{}'", s.as_str())).collect();
            Error::arg_value("run.status", &format!("one of {}", names.join(", ")), &format!("'{status_text}'"))
        })?;
        Ok(RunUpdate {
            run_id: convert::string(run_id, "run.runId")?,
            workflow: convert::string(workflow, "run.workflow")?,
            status,
            timestamp: convert::number(timestamp, "run.timestamp")?,
            exit_code: convert::nullable_number(exit_code, "run.exitCode")?,
        })
    })())
}

fn log_row_object<'e>(env: &'e Env, row: LogRow) -> napi::Result<Result<Object<'e>>> {
    let values = [row.id, row.source, row.kind, row.ref_id, row.payload, row.timestamp];
    let mut obj = Object::new(env)?;
    for (key, v) in ["id", "source", "type", "refId", "payload", "timestamp"].into_iter().zip(values) {
        match SqlJs::from_sql(v) {
            Ok(js) => obj.set_named_property(key, js)?,
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(obj))
}

fn run_object<'e>(env: &'e Env, row: WorkflowRunRow) -> napi::Result<Result<Object<'e>>> {
    let mut obj = Object::new(env)?;
    let fields = [("runId", row.run_id), ("workflow", row.workflow)];
    for (key, v) in fields {
        match SqlJs::from_sql(v) {
            Ok(js) => obj.set_named_property(key, js)?,
            Err(e) => return Ok(Err(e)),
        }
    }
    obj.set_named_property("status", row.status.as_str())?;
    for (key, v) in [("timestamp", row.timestamp), ("exitCode", row.exit_code)] {
        match SqlJs::from_sql(v) {
            Ok(js) => obj.set_named_property(key, js)?,
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(obj))
}

fn run_array<'e>(env: &'e Env, rows: Vec<WorkflowRunRow>) -> napi::Result<Array<'e>> {
    let mut arr = env.create_array(rows.len() as u32)?;
    for (i, row) in rows.into_iter().enumerate() {
        arr.set(i as u32, run_object(env, row)?.or_throw(env)?)?;
    }
    Ok(arr)
}

/// `[p1,p2,...]`: one `JSON.parse` in the facade yields every payload, with JavaScript's own rules.
fn json_array(payloads: Vec<String>) -> String {
    let mut out = String::with_capacity(payloads.iter().map(|p| p.len() + 1).sum::<usize>() + 2);
    out.push('[');
    for (i, p) in payloads.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(p);
    }
    out.push(']');
    out
}

fn opt_field<'a, T>(
    obj: &Object<'a>,
    key: &str,
    name: &str,
    f: impl FnOnce(Unknown<'a>, &str) -> Result<T>,
) -> napi::Result<Result<Option<T>>> {
    let v = field(obj, key)?;
    Ok(convert::optional(v, |v| f(v, name)))
}

#[napi]
impl NativeLogStore {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, db_path: Unknown) -> napi::Result<Self> {
        let path = convert::string(db_path, "dbPath").or_throw(&env)?;
        let inner = LogStore::open(path).or_throw(&env)?;
        Ok(NativeLogStore { inner })
    }

    #[napi(catch_unwind)]
    pub fn append(&self, env: Env, entry: Unknown) -> napi::Result<f64> {
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        self.inner.check_statements().or_throw(&env)?;
        let entry = entry_from(&entry)?.or_throw(&env)?;
        self.inner.append(&entry).map(|id| id as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn query<'e>(&mut self, env: &'e Env, filter: Unknown) -> napi::Result<Array<'e>> {
        let q = if convert::is_undefined(&filter) {
            LogQuery::default()
        } else {
            let f = convert::object(filter, "filter").or_throw(env)?;
            let text = |v: Unknown, n: &str| convert::nullable_string(v, n);
            let num = |v: Unknown, n: &str| convert::nullable_number(v, n);
            let source = opt_field(&f, "source", "filter.source", text)?;
            let kind = opt_field(&f, "type", "filter.type", text)?;
            let ref_id = opt_field(&f, "refId", "filter.refId", text)?;
            let since = opt_field(&f, "since", "filter.since", num)?;
            let until = opt_field(&f, "until", "filter.until", num)?;
            let limit = opt_field(&f, "limit", "filter.limit", convert::number)?;
            LogQuery {
                source: source.or_throw(env)?,
                kind: kind.or_throw(env)?,
                ref_id: ref_id.or_throw(env)?,
                since: since.or_throw(env)?,
                until: until.or_throw(env)?,
                limit: limit.or_throw(env)?,
            }
        };
        let rows = self.inner.query(&q).or_throw(env)?;
        let mut arr = env.create_array(rows.len() as u32)?;
        for (i, row) in rows.into_iter().enumerate() {
            arr.set(i as u32, log_row_object(env, row)?.or_throw(env)?)?;
        }
        Ok(arr)
    }

    #[napi(catch_unwind)]
    pub fn get_meta(&self, env: Env, key: Unknown) -> napi::Result<SqlJs> {
        self.inner.check_statements().or_throw(&env)?;
        let key = convert::string(key, "key").or_throw(&env)?;
        let value = self.inner.get_meta_value(&key).or_throw(&env)?;
        SqlJs::from_sql(value.unwrap_or(Value::Null)).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn set_meta(&self, env: Env, key: Unknown, value: Unknown) -> napi::Result<()> {
        self.inner.check_statements().or_throw(&env)?;
        let key = convert::string(key, "key").or_throw(&env)?;
        let value = convert::string(value, "value").or_throw(&env)?;
        self.inner.set_meta(&key, &value).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn upsert_workflow_run(&mut self, env: Env, entry: Unknown, run: Unknown) -> napi::Result<f64> {
        self.inner.check_database().or_throw(&env)?;
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        let run = convert::object(run, "run").or_throw(&env)?;
        let entry = entry_from(&entry)?.or_throw(&env)?;
        let run = run_from(&run)?.or_throw(&env)?;
        self.inner.upsert_workflow_run(&entry, &run).map(|id| id as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn get_workflow_run<'e>(&self, env: &'e Env, run_id: Unknown) -> napi::Result<Option<Object<'e>>> {
        self.inner.check_statements().or_throw(env)?;
        let run_id = convert::string(run_id, "runId").or_throw(env)?;
        match self.inner.get_workflow_run(&run_id).or_throw(env)? {
            Some(row) => Ok(Some(run_object(env, row)?.or_throw(env)?)),
            None => Ok(None),
        }
    }

    #[napi(catch_unwind)]
    pub fn get_active_workflow_runs<'e>(&self, env: &'e Env, workflow_name: Unknown) -> napi::Result<Array<'e>> {
        self.inner.check_statements().or_throw(env)?;
        let name = convert::optional(workflow_name, |v| convert::nullable_string(v, "workflowName")).or_throw(env)?;
        let rows = self.inner.get_active_workflow_runs(name.as_ref().map(|n| n.as_deref())).or_throw(env)?;
        run_array(env, rows)
    }

    #[napi(catch_unwind)]
    pub fn get_all_workflow_runs<'e>(&self, env: &'e Env, workflow_name: Unknown) -> napi::Result<Array<'e>> {
        self.inner.check_statements().or_throw(env)?;
        let name = convert::nullable_string(workflow_name, "workflowName").or_throw(env)?;
        let rows = self.inner.get_all_workflow_runs(name.as_deref()).or_throw(env)?;
        run_array(env, rows)
    }

    #[napi(catch_unwind)]
    pub fn trigger_payload(&self, env: Env, run_id: Unknown) -> napi::Result<Option<String>> {
        self.inner.check_statements().or_throw(&env)?;
        let run_id = convert::string(run_id, "runId").or_throw(&env)?;
        self.inner.trigger_payload(&run_id).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_event_payloads(&self, env: Env, run_id: Unknown) -> napi::Result<String> {
        self.inner.check_statements().or_throw(&env)?;
        let run_id = convert::string(run_id, "runId").or_throw(&env)?;
        self.inner.thread_event_payloads(&run_id).map(json_array).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_message_payloads(&self, env: Env, run_id: Unknown) -> napi::Result<String> {
        self.inner.check_statements().or_throw(&env)?;
        let run_id = convert::string(run_id, "runId").or_throw(&env)?;
        self.inner.thread_message_payloads(&run_id).map(json_array).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_round_count(&self, env: Env, run_id: Unknown) -> napi::Result<f64> {
        self.inner.check_statements().or_throw(&env)?;
        let run_id = convert::string(run_id, "runId").or_throw(&env)?;
        self.inner.thread_round_count(&run_id).map(|c| c as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_rounds<'e>(&self, env: &'e Env, run_id: Unknown, params: Unknown) -> napi::Result<Array<'e>> {
        let params = convert::object(params, "params").or_throw(env)?;
        let before = field(&params, "before")?;
        let limit = convert::number(field(&params, "limit")?, "params.limit").or_throw(env)?;
        if limit < 1.0 {
            return env.create_array(0);
        }
        let run_id = convert::string(run_id, "runId").or_throw(env)?;
        let before = convert::number(before, "params.before").or_throw(env)?;
        let rows = self.inner.thread_rounds(&run_id, before, limit).or_throw(env)?;
        let mut arr = env.create_array(rows.len() as u32)?;
        for (i, row) in rows.into_iter().enumerate() {
            let mut obj = Object::new(env)?;
            obj.set_named_property("round", row.round as f64)?;
            obj.set_named_property("logId", SqlJs::from_sql(row.log_id).or_throw(env)?)?;
            obj.set_named_property("timestamp", SqlJs::from_sql(row.timestamp).or_throw(env)?)?;
            obj.set_named_property("payload", row.payload)?;
            arr.set(i as u32, obj)?;
        }
        Ok(arr)
    }

    /// `archiveDir` comes from the facade, computed with `node:path` exactly as the reference does.
    #[napi(catch_unwind)]
    pub fn archive_logs<'e>(&mut self, env: &'e Env, options: Unknown, archive_dir: String) -> napi::Result<Object<'e>> {
        let opts = if convert::is_undefined(&options) {
            ArchiveOptions::default()
        } else {
            let o = convert::object(options, "options").or_throw(env)?;
            let num = |v: Unknown, n: &str| convert::number(v, n);
            let now = opt_field(&o, "now", "options.now", num)?.or_throw(env)?;
            let vacuum = opt_field(&o, "vacuum", "options.vacuum", convert::boolean)?.or_throw(env)?;
            let max_days = opt_field(&o, "maxDays", "options.maxDays", num)?.or_throw(env)?;
            let retention_ms = opt_field(&o, "retentionMs", "options.retentionMs", num)?.or_throw(env)?;
            ArchiveOptions { now, vacuum: vacuum.unwrap_or(false), max_days, retention_ms }
        };
        let result = self.inner.archive_logs(&opts, Path::new(&archive_dir)).or_throw(env)?;
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
        Ok(out)
    }

    #[napi(catch_unwind)]
    pub fn close(&mut self, env: Env) -> napi::Result<()> {
        self.inner.close().or_throw(&env)
    }
}
