//! The log store's results as JavaScript values: runs, archive results and plans, thread deltas
//! and group-commit outcomes, with SQLite values as node:sqlite returns them.

use super::convert::SqlJs;
use super::errors::{error_object, OrThrow};
use crate::core::{ArchiveResult, PayloadDelta, PlannedDay, Result, RoundRow, WorkflowRunRow, MAX_SAFE_INTEGER};
use napi::bindgen_prelude::{Array, Env, JsObjectValue, JsValue, Object, ToNapiValue, Unknown};
use napi::sys;
use rusqlite::types::Value;

/// `obj[key] = v` with the JavaScript value node:sqlite would give for `v`.
pub fn set_sql(env: &Env, obj: &mut Object<'_>, key: &str, v: Value) -> napi::Result<()> {
    obj.set_named_property(key, SqlJs::from_sql(v).or_throw(env)?)
}

pub fn run_object<'e>(env: &'e Env, row: WorkflowRunRow) -> napi::Result<Object<'e>> {
    let mut obj = Object::new(env)?;
    set_sql(env, &mut obj, "runId", row.run_id)?;
    set_sql(env, &mut obj, "workflow", row.workflow)?;
    obj.set_named_property("status", row.status.as_str())?;
    set_sql(env, &mut obj, "timestamp", row.timestamp)?;
    set_sql(env, &mut obj, "exitCode", row.exit_code)?;
    Ok(obj)
}

pub fn run_array<'e>(env: &'e Env, rows: Vec<WorkflowRunRow>) -> napi::Result<Array<'e>> {
    let mut arr = env.create_array(rows.len() as u32)?;
    for (i, row) in rows.into_iter().enumerate() {
        arr.set(i as u32, run_object(env, row)?)?;
    }
    Ok(arr)
}

pub fn round_array<'e>(env: &'e Env, rows: Vec<RoundRow>) -> napi::Result<Array<'e>> {
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

/// `{ days: [{ day, rowCount, filePath }], vacuumed }`.
pub fn archive_value<'e>(env: &'e Env, result: ArchiveResult) -> napi::Result<Unknown<'e>> {
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

/// `[{ day, rowCount }]`.
pub fn plan_array<'e>(env: &'e Env, plan: Vec<PlannedDay>) -> napi::Result<Array<'e>> {
    let mut arr = env.create_array(plan.len() as u32)?;
    for (i, d) in plan.into_iter().enumerate() {
        let mut obj = Object::new(env)?;
        obj.set_named_property("day", d.day)?;
        obj.set_named_property("rowCount", d.row_count as f64)?;
        arr.set(i as u32, obj)?;
    }
    Ok(arr)
}

/// `[generation, lastId, "[payload,...]", reset]` for the facade's thread caches: one
/// `JSON.parse` there yields every payload, with JavaScript's own rules. A generation of -1 tells
/// it not to keep the list (an id it could not hand back exactly, or a read it could not tie to
/// one data version).
pub fn delta_value<'e>(env: &'e Env, d: PayloadDelta) -> napi::Result<Array<'e>> {
    let exact = d.keep && (d.last_id == i64::MIN || d.last_id.unsigned_abs() <= MAX_SAFE_INTEGER as u64);
    let mut arr = env.create_array(4)?;
    arr.set(0, if exact { d.generation as f64 } else { -1.0 })?;
    arr.set(1, d.last_id as f64)?;
    arr.set(2, format!("[{}]", d.payloads.join(",")))?;
    arr.set(3, d.reset)?;
    Ok(arr)
}

/// One appended row's outcome as JavaScript sees it: its id, or the Error it failed with.
pub struct Outcome(pub Result<i64>);

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
