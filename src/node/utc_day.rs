//! The UTC-day helpers and archive constants, exported as the reference exports them.

use super::convert;
use super::errors::OrThrow;
use crate::core::utc_day;
use napi::bindgen_prelude::{Env, Unknown};
use napi_derive::napi;

#[napi]
pub const LOG_ARCHIVE_META_KEY: &str = utc_day::LOG_ARCHIVE_META_KEY;

#[napi]
pub const DEFAULT_LOG_RETENTION_MS: i64 = utc_day::DEFAULT_LOG_RETENTION_MS;

fn day_arg(env: &Env, day: Unknown) -> napi::Result<String> {
    convert::string(day, "day").or_throw(env)
}

#[napi(catch_unwind)]
pub fn utc_date_string_from_ms(env: Env, ms: Unknown) -> napi::Result<String> {
    let ms = convert::number(ms, "ms").or_throw(&env)?;
    utc_day::utc_date_string_from_ms(ms).or_throw(&env)
}

#[napi(catch_unwind)]
pub fn assert_valid_utc_day(env: Env, day: Unknown) -> napi::Result<()> {
    utc_day::assert_valid_utc_day(&day_arg(&env, day)?).or_throw(&env)
}

#[napi(catch_unwind)]
pub fn utc_day_start_ms(env: Env, day: Unknown) -> napi::Result<f64> {
    utc_day::utc_day_start_ms(&day_arg(&env, day)?).map(|ms| ms as f64).or_throw(&env)
}

#[napi(catch_unwind)]
pub fn utc_day_end_exclusive_ms(env: Env, day: Unknown) -> napi::Result<f64> {
    utc_day::utc_day_end_exclusive_ms(&day_arg(&env, day)?).map(|ms| ms as f64).or_throw(&env)
}

#[napi(catch_unwind)]
pub fn prev_utc_day(env: Env, day: Unknown) -> napi::Result<String> {
    utc_day::prev_utc_day(&day_arg(&env, day)?).or_throw(&env)
}

#[napi(catch_unwind)]
pub fn next_utc_day(env: Env, day: Unknown) -> napi::Result<String> {
    utc_day::next_utc_day(&day_arg(&env, day)?).or_throw(&env)
}

#[napi(catch_unwind)]
pub fn last_archivable_utc_day(env: Env, boundary_ms: Unknown) -> napi::Result<String> {
    let ms = convert::number(boundary_ms, "boundaryMs").or_throw(&env)?;
    utc_day::last_archivable_utc_day(ms).or_throw(&env)
}

#[napi(catch_unwind)]
pub fn compare_iso_days(env: Env, a: Unknown, b: Unknown) -> napi::Result<i32> {
    let a = convert::string(a, "a").or_throw(&env)?;
    let b = convert::string(b, "b").or_throw(&env)?;
    Ok(utc_day::compare_iso_days(&a, &b) as i32)
}
