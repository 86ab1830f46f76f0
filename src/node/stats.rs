//! Read-only database figures for the `nerve-store` command.

use super::errors::OrThrow;
use crate::core::{integrity_check as check_database, store_stats as database_stats};
use napi::bindgen_prelude::Env;
use napi_derive::napi;
use std::path::Path;

#[napi(object)]
pub struct NamedCount {
    pub name: String,
    pub count: f64,
}

#[napi(object)]
pub struct StoreStats {
    pub rows: f64,
    pub first_timestamp: Option<f64>,
    pub last_timestamp: Option<f64>,
    pub days: f64,
    pub runs_by_status: Vec<NamedCount>,
    pub runs_by_workflow: Vec<NamedCount>,
    pub page_size: f64,
    pub page_count: f64,
    pub freelist_count: f64,
}

fn named(v: Vec<(String, i64)>) -> Vec<NamedCount> {
    v.into_iter().map(|(name, count)| NamedCount { name, count: count as f64 }).collect()
}

/// Row, day and run counts of an existing database; opens its own connection.
#[napi(catch_unwind)]
pub fn store_stats(env: Env, db_path: String) -> napi::Result<StoreStats> {
    let s = database_stats(Path::new(&db_path)).or_throw(&env)?;
    Ok(StoreStats {
        rows: s.rows as f64,
        first_timestamp: s.first_timestamp,
        last_timestamp: s.last_timestamp,
        days: s.days as f64,
        runs_by_status: named(s.runs_by_status),
        runs_by_workflow: named(s.runs_by_workflow),
        page_size: s.page_size as f64,
        page_count: s.page_count as f64,
        freelist_count: s.freelist_count as f64,
    })
}

/// `PRAGMA integrity_check` of an existing database: `["ok"]` or the problems found.
#[napi(catch_unwind)]
pub fn integrity_check(env: Env, db_path: String) -> napi::Result<Vec<String>> {
    check_database(Path::new(&db_path)).or_throw(&env)
}
