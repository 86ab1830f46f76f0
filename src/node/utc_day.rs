//! The UTC-day helpers and archive constants, exported as the reference exports them.

use super::convert;
use super::errors::{self, OrThrow};
use crate::core::utc_day;
use napi::bindgen_prelude::{Env, Unknown, Utf16String};
use napi::ValueType;
use napi_derive::napi;

#[napi]
pub const LOG_ARCHIVE_META_KEY: &str = utc_day::LOG_ARCHIVE_META_KEY;

#[napi]
pub const DEFAULT_LOG_RETENTION_MS: i64 = utc_day::DEFAULT_LOG_RETENTION_MS;

/// A string argument as JavaScript holds it, UTF-16 code units, lone surrogates included.
fn utf16_arg(env: &Env, v: Unknown, name: &str) -> napi::Result<Utf16String> {
    if v.get_type()? != ValueType::String {
        return convert::string(v, name).map(Utf16String::from).or_throw(env);
    }
    // SAFETY: the value is a string.
    unsafe { v.cast::<Utf16String>() }
}

fn day_arg(env: &Env, day: Unknown) -> napi::Result<String> {
    let units = utf16_arg(env, day, "day")?;
    match String::from_utf16(&units) {
        Ok(s) => Ok(s),
        // Not well-formed UTF-16, so not `YYYY-MM-DD` either: the reference's shape error, quoting
        // the argument exactly.
        Err(_) => {
            let e = utc_day::assert_valid_utc_day(&String::from_utf16_lossy(&units)).unwrap_err();
            let prefix = "Invalid UTC day (expected YYYY-MM-DD): ";
            let message: Vec<u16> = prefix.encode_utf16().chain(units.iter().copied()).collect();
            Err(errors::throw_with_message(env, e, &message))
        }
    }
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
    // Compared as JavaScript's `<` does, code unit by code unit, so lone surrogates order as there.
    let a = utf16_arg(&env, a, "a")?;
    let b = utf16_arg(&env, b, "b")?;
    Ok(a[..].cmp(&b[..]) as i32)
}
