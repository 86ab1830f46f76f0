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

/// Reads every field before converting any, as the reference does when it builds its bind object.
fn entry_from(env: &Env, entry: &Object<'_>) -> napi::Result<NewEntry> {
    let (source, kind, ref_id, payload, timestamp) = (
        field(entry, "source")?,
        field(entry, "type")?,
        field(entry, "refId")?,
        field(entry, "payload")?,
        field(entry, "timestamp")?,
    );
    Ok(NewEntry {
        source: convert::string(source, "entry.source").or_throw(env)?,
        kind: convert::string(kind, "entry.type").or_throw(env)?,
        ref_id: convert::nullable_string(ref_id, "entry.refId").or_throw(env)?,
        payload: convert::nullable_string(payload, "entry.payload").or_throw(env)?,
        timestamp: convert::number(timestamp, "entry.timestamp").or_throw(env)?,
    })
}

fn run_from(env: &Env, run: &Object<'_>) -> napi::Result<RunUpdate> {
    let (run_id, workflow, status, timestamp, exit_code) = (
        field(run, "runId")?,
        field(run, "workflow")?,
        field(run, "status")?,
        field(run, "timestamp")?,
        field(run, "exitCode")?,
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
fn set_sql(env: &Env, obj: &mut Object<'_>, key: &str, v: Value) -> napi::Result<()> {
    obj.set_named_property(key, SqlJs::from_sql(v).or_throw(env)?)
}

fn log_row_object<'e>(env: &'e Env, row: LogRow) -> napi::Result<Object<'e>> {
    let mut obj = Object::new(env)?;
    set_sql(env, &mut obj, "id", row.id)?;
    set_sql(env, &mut obj, "source", row.source)?;
    set_sql(env, &mut obj, "type", row.kind)?;
    set_sql(env, &mut obj, "refId", row.ref_id)?;
    set_sql(env, &mut obj, "payload", row.payload)?;
    set_sql(env, &mut obj, "timestamp", row.timestamp)?;
    Ok(obj)
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
    /// A string argument of a call that node:sqlite serves from a prepared statement: on a closed
    /// store that fails first, whatever the argument.
    fn stmt_string_arg(&self, env: &Env, v: Unknown<'_>, name: &str) -> napi::Result<String> {
        self.inner.check_statements().or_throw(env)?;
        convert::string(v, name).or_throw(env)
    }
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
        let entry = entry_from(&env, &entry)?;
        self.inner.append(&entry).map(|id| id as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn query<'e>(&mut self, env: &'e Env, filter: Unknown) -> napi::Result<Array<'e>> {
        let q = if convert::is_undefined(&filter) {
            LogQuery::default()
        } else {
            let f = convert::object(filter, "filter").or_throw(env)?;
            // Every field is read before any is converted, as the reference builds its WHERE first.
            let [source, kind, ref_id, since, until, limit] =
                ["source", "type", "refId", "since", "until", "limit"].map(|k| field(&f, k));
            let text = |v: Unknown, n: &str| convert::nullable_string(v, n);
            let num = |v: Unknown, n: &str| convert::nullable_number(v, n);
            LogQuery {
                source: optional(env, source?, "filter.source", text)?,
                kind: optional(env, kind?, "filter.type", text)?,
                ref_id: optional(env, ref_id?, "filter.refId", text)?,
                since: optional(env, since?, "filter.since", num)?,
                until: optional(env, until?, "filter.until", num)?,
                limit: optional(env, limit?, "filter.limit", convert::number)?,
            }
        };
        let rows = self.inner.query(&q).or_throw(env)?;
        let mut arr = env.create_array(rows.len() as u32)?;
        for (i, row) in rows.into_iter().enumerate() {
            arr.set(i as u32, log_row_object(env, row)?)?;
        }
        Ok(arr)
    }

    #[napi(catch_unwind)]
    pub fn get_meta(&self, env: Env, key: Unknown) -> napi::Result<SqlJs> {
        let key = self.stmt_string_arg(&env, key, "key")?;
        let value = self.inner.get_meta_value(&key).or_throw(&env)?;
        SqlJs::from_sql(value.unwrap_or(Value::Null)).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn set_meta(&self, env: Env, key: Unknown, value: Unknown) -> napi::Result<()> {
        let key = self.stmt_string_arg(&env, key, "key")?;
        let value = convert::string(value, "value").or_throw(&env)?;
        self.inner.set_meta(&key, &value).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn upsert_workflow_run(&mut self, env: Env, entry: Unknown, run: Unknown) -> napi::Result<f64> {
        self.inner.check_database().or_throw(&env)?;
        let entry = convert::object(entry, "entry").or_throw(&env)?;
        let run = convert::object(run, "run").or_throw(&env)?;
        let entry = entry_from(&env, &entry)?;
        let run = run_from(&env, &run)?;
        self.inner.upsert_workflow_run(&entry, &run).map(|id| id as f64).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn get_workflow_run<'e>(&self, env: &'e Env, run_id: Unknown) -> napi::Result<Option<Object<'e>>> {
        let run_id = self.stmt_string_arg(env, run_id, "runId")?;
        match self.inner.get_workflow_run(&run_id).or_throw(env)? {
            Some(row) => Ok(Some(run_object(env, row)?)),
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
        let run_id = self.stmt_string_arg(&env, run_id, "runId")?;
        self.inner.trigger_payload(&run_id).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_event_payloads(&self, env: Env, run_id: Unknown) -> napi::Result<String> {
        let run_id = self.stmt_string_arg(&env, run_id, "runId")?;
        self.inner.thread_event_payloads(&run_id).map(json_array).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_message_payloads(&self, env: Env, run_id: Unknown) -> napi::Result<String> {
        let run_id = self.stmt_string_arg(&env, run_id, "runId")?;
        self.inner.thread_message_payloads(&run_id).map(json_array).or_throw(&env)
    }

    #[napi(catch_unwind)]
    pub fn thread_round_count(&self, env: Env, run_id: Unknown) -> napi::Result<f64> {
        let run_id = self.stmt_string_arg(&env, run_id, "runId")?;
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
            set_sql(env, &mut obj, "logId", row.log_id)?;
            set_sql(env, &mut obj, "timestamp", row.timestamp)?;
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
            let now = optional(env, field(&o, "now")?, "options.now", convert::number)?;
            let vacuum = optional(env, field(&o, "vacuum")?, "options.vacuum", convert::boolean)?;
            let max_days = optional(env, field(&o, "maxDays")?, "options.maxDays", convert::number)?;
            let retention_ms = optional(env, field(&o, "retentionMs")?, "options.retentionMs", convert::number)?;
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
