//! The log store's arguments: JavaScript objects read field by field, in the reference's order,
//! into the core's types. Every check of a value's meaning is the core's; this only converts.

use super::convert::{self, field};
use super::errors::OrThrow;
use crate::core::{
    check_batch_size, ArchiveOptions, Error, LogQuery, NewEntry, OpenOptions, Result, RunUpdate, WorkflowRunStatus,
};
use napi::bindgen_prelude::{Array, Env, Object, Unknown};

/// Reads every field before converting any, as the reference does when it builds its bind object.
/// `name` is how messages refer to the entry (`entry`, `entries[3]`).
pub fn entry(env: &Env, entry: &Object<'_>, name: &str) -> napi::Result<NewEntry> {
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

/// `entries[i]` of the array, each converted by [`entry`].
pub fn entries(env: &Env, list: &Array<'_>) -> napi::Result<Vec<NewEntry>> {
    let mut parsed = Vec::with_capacity(list.len() as usize);
    for i in 0..list.len() {
        let name = format!("entries[{i}]");
        let item: Unknown = match list.get(i) {
            Ok(item) => item.ok_or_else(|| napi::Error::from_reason("array element vanished"))?,
            Err(e) if e.status == napi::Status::PendingException => {
                return Err(super::errors::rethrow_unreadable(env, &name))
            }
            Err(e) => return Err(e),
        };
        let obj = convert::object(item, &name).or_throw(env)?;
        parsed.push(entry(env, &obj, &name)?);
    }
    Ok(parsed)
}

pub fn query(env: &Env, filter: Unknown) -> napi::Result<LogQuery> {
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

pub fn archive_options(env: &Env, options: Unknown) -> napi::Result<ArchiveOptions> {
    if convert::is_undefined(&options) {
        return Ok(ArchiveOptions::default());
    }
    let o = convert::object(options, "options").or_throw(env)?;
    let now = optional(env, field(env, &o, "options", "now")?, "options.now", convert::number)?;
    let vacuum = optional(env, field(env, &o, "options", "vacuum")?, "options.vacuum", convert::boolean)?;
    let max_days = optional(env, field(env, &o, "options", "maxDays")?, "options.maxDays", convert::number)?;
    let retention_ms =
        optional(env, field(env, &o, "options", "retentionMs")?, "options.retentionMs", convert::number)?;
    Ok(ArchiveOptions { now, vacuum: vacuum.unwrap_or(false), max_days, retention_ms })
}

/// `createLogStore`'s options, and the remote client with the store id it asks for.
pub fn open_options(env: &Env, options: Unknown) -> napi::Result<(OpenOptions, super::remote::RemoteOption)> {
    if convert::is_undefined(&options) {
        return Ok((OpenOptions::default(), None));
    }
    let o = convert::object(options, "options").or_throw(env)?;
    let read_only = optional(env, field(env, &o, "options", "readOnly")?, "options.readOnly", convert::boolean)?;
    let remote = super::remote::remote(env, &o, "options.remote")?;
    Ok((OpenOptions { read_only: read_only.unwrap_or(false) }, remote))
}

/// `iterate`'s options: whether to read the archive first, and the rows per batch.
pub fn iterate_options(env: &Env, options: Unknown, default_batch: usize) -> napi::Result<(bool, usize)> {
    if convert::is_undefined(&options) {
        return Ok((false, default_batch));
    }
    let o = convert::object(options, "options").or_throw(env)?;
    let (archive, batch) = (field(env, &o, "options", "includeArchive")?, field(env, &o, "options", "batchSize")?);
    let archive = optional(env, archive, "options.includeArchive", convert::boolean)?;
    let batch = optional(env, batch, "options.batchSize", convert::number)?;
    let batch = batch.map(check_batch_size).transpose().or_throw(env)?;
    Ok((archive.unwrap_or(false), batch.unwrap_or(default_batch)))
}

pub fn run(env: &Env, run: &Object<'_>) -> napi::Result<RunUpdate> {
    let (run_id, workflow, status, timestamp, exit_code) = (
        field(env, run, "run", "runId")?,
        field(env, run, "run", "workflow")?,
        field(env, run, "run", "status")?,
        field(env, run, "run", "timestamp")?,
        field(env, run, "run", "exitCode")?,
    );
    let status = convert::string(status, "run.status").or_throw(env)?;
    let status = WorkflowRunStatus::parse_arg("run.status", &status).or_throw(env)?;
    Ok(RunUpdate {
        run_id: convert::string(run_id, "run.runId").or_throw(env)?,
        workflow: convert::string(workflow, "run.workflow").or_throw(env)?,
        status,
        timestamp: convert::number(timestamp, "run.timestamp").or_throw(env)?,
        exit_code: convert::nullable_number(exit_code, "run.exitCode").or_throw(env)?,
    })
}

/// An optional argument: `None` when `undefined`, else converted by `f`.
pub fn optional<'a, T>(
    env: &Env,
    v: Unknown<'a>,
    name: &str,
    f: impl FnOnce(Unknown<'a>, &str) -> Result<T>,
) -> napi::Result<Option<T>> {
    convert::optional(v, |v| f(v, name)).or_throw(env)
}
