//! UTC calendar days as `YYYY-MM-DD` strings, with JavaScript `Date` semantics down to the odd
//! edges: `toISOString` switches to `±YYYYYY` outside years 0..=9999, and `Date.UTC` maps years
//! 0..=99 to 1900..=1999 (so such days never round-trip and count as invalid).

use super::{Error, Result};
use time::{Date, Month};

pub const MS_PER_DAY: i64 = 86_400_000;
/// Largest magnitude of a JavaScript time value (ECMAScript TimeClip).
pub const MAX_TIME_MS: f64 = 8.64e15;
pub const LOG_ARCHIVE_META_KEY: &str = "archived_up_to";
pub const DEFAULT_LOG_RETENTION_MS: i64 = 30 * MS_PER_DAY;

/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// `new Date(ms).toISOString().slice(0, 10)`.
pub fn utc_date_string_from_ms(ms: f64) -> Result<String> {
    let t = time_clip(ms).ok_or_else(Error::invalid_time_value)?;
    let days = t.div_euclid(MS_PER_DAY);
    // |days| <= 1e8, far inside `time`'s large-dates range.
    let date = Date::from_julian_day((days + UNIX_EPOCH_JULIAN_DAY) as i32).map_err(|_| Error::invalid_time_value())?;
    let (y, m, d) = (date.year(), date.month() as u8, date.day());
    Ok(if (0..=9999).contains(&y) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        // "+275760-09-13T00:00:00.000Z".slice(0, 10)
        let sign = if y < 0 { '-' } else { '+' };
        format!("{sign}{:06}-{m:02}", y.unsigned_abs())
    })
}

/// ECMAScript TimeClip: NaN for non-finite or out-of-range values, else truncation toward zero.
fn time_clip(ms: f64) -> Option<i64> {
    if !ms.is_finite() || ms.abs() > MAX_TIME_MS {
        return None;
    }
    Some(ms.trunc() as i64)
}

/// The calendar day a valid `YYYY-MM-DD` string names, or the reference's error for it.
pub fn parse_utc_day(day: &str) -> Result<Date> {
    let b = day.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(Error::invalid_utc_day(format!("Invalid UTC day (expected YYYY-MM-DD): {day}")));
    }
    let num = |r: std::ops::Range<usize>| day[r].parse::<u16>().unwrap_or(0);
    let (y, mo, d) = (num(0..4), num(5..7), num(8..10));
    let date = Month::try_from(mo as u8)
        .ok()
        .and_then(|m| Date::from_calendar_date(i32::from(y), m, d as u8).ok())
        .filter(|_| y >= 100);
    date.ok_or_else(|| Error::invalid_utc_day(format!("Invalid UTC calendar day: {day}")))
}

pub fn assert_valid_utc_day(day: &str) -> Result<()> {
    parse_utc_day(day).map(|_| ())
}

fn day_number(date: Date) -> i64 {
    i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY
}

pub fn utc_day_start_ms(day: &str) -> Result<i64> {
    Ok(day_number(parse_utc_day(day)?) * MS_PER_DAY)
}

pub fn utc_day_end_exclusive_ms(day: &str) -> Result<i64> {
    Ok(utc_day_start_ms(day)? + MS_PER_DAY)
}

pub fn prev_utc_day(day: &str) -> Result<String> {
    utc_date_string_from_ms((utc_day_start_ms(day)? - MS_PER_DAY) as f64)
}

pub fn next_utc_day(day: &str) -> Result<String> {
    utc_date_string_from_ms(utc_day_end_exclusive_ms(day)? as f64)
}

/// Last UTC day whose exclusive end is at or before `boundary_ms`.
pub fn last_archivable_utc_day(boundary_ms: f64) -> Result<String> {
    prev_utc_day(&utc_date_string_from_ms(boundary_ms)?)
}

/// JavaScript `<` on strings: UTF-16 code unit order.
pub fn compare_iso_days(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn date_strings_follow_to_iso_string() {
        assert_eq!(utc_date_string_from_ms(0.0).unwrap(), "1970-01-01");
        assert_eq!(utc_date_string_from_ms(-1.0).unwrap(), "1969-12-31");
        // Truncation toward zero: -0.9 ms is the epoch itself.
        assert_eq!(utc_date_string_from_ms(-0.9).unwrap(), "1970-01-01");
        assert_eq!(utc_date_string_from_ms(8.64e15).unwrap(), "+275760-09");
        assert_eq!(utc_date_string_from_ms(-8.64e15).unwrap(), "-271821-04");
        assert_eq!(utc_date_string_from_ms(253402300800000.0).unwrap(), "+010000-01");
        assert_eq!(utc_date_string_from_ms(-62167219200001.0).unwrap(), "-000001-12");
        assert_eq!(utc_date_string_from_ms(-62167219200000.0).unwrap(), "0000-01-01");
        for bad in [f64::NAN, f64::INFINITY, -f64::INFINITY, 8.64e15 + 1.0] {
            let e = utc_date_string_from_ms(bad).unwrap_err();
            assert_eq!(e.kind, crate::core::ErrorKind::RangeError);
            assert_eq!(e.message, "Invalid time value");
        }
    }

    #[test]
    fn day_validation_matches_date_utc() {
        assert!(assert_valid_utc_day("2024-02-29").is_ok());
        assert!(assert_valid_utc_day("0100-01-01").is_ok());
        assert!(assert_valid_utc_day("9999-12-31").is_ok());
        let calendar = |d: &str| format!("Invalid UTC calendar day: {d}");
        for d in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "0099-12-31", "0000-01-01"] {
            assert_eq!(assert_valid_utc_day(d).unwrap_err().message, calendar(d));
        }
        for d in ["2024-1-01", "2024-01-01 ", "2024/01/01", "+10000-01-01", "", "２０２４-01-01"] {
            assert!(assert_valid_utc_day(d).unwrap_err().message.starts_with("Invalid UTC day (expected"));
        }
    }

    #[test]
    fn day_arithmetic() {
        assert_eq!(utc_day_start_ms("1970-01-02").unwrap(), MS_PER_DAY);
        assert_eq!(utc_day_end_exclusive_ms("1969-12-31").unwrap(), 0);
        assert_eq!(prev_utc_day("2024-03-01").unwrap(), "2024-02-29");
        assert_eq!(next_utc_day("9999-12-31").unwrap(), "+010000-01");
        assert_eq!(prev_utc_day("0100-01-01").unwrap(), "0099-12-31");
        assert_eq!(last_archivable_utc_day(MS_PER_DAY as f64).unwrap(), "1970-01-01");
        assert_eq!(last_archivable_utc_day(MS_PER_DAY as f64 - 1.0).unwrap(), "1969-12-31");
    }

    #[test]
    fn comparison_is_utf16_order() {
        assert_eq!(compare_iso_days("2024-01-01", "2024-01-02"), Ordering::Less);
        assert_eq!(compare_iso_days("+010000-01", "2024-01-01"), Ordering::Less);
        // U+FF5E sorts after U+1F600 in UTF-8 byte order but before it in UTF-16.
        assert_eq!(compare_iso_days("\u{ff5e}", "\u{1f600}"), Ordering::Greater);
    }
}
