//! Which days an archive pass takes, worked out once for the archive itself and for a dry run.

use super::ArchiveOptions;
use crate::core::log_store::LogStore;
use crate::core::sql;
use crate::core::utc_day::{self, compare_iso_days, LOG_ARCHIVE_META_KEY};
use crate::core::Result;
use rusqlite::types::ValueRef;
use std::cmp::Ordering;

/// The days of an archive pass, walked one at a time with the reference's rules: from the day
/// after the watermark (or the first row's day, if earlier) up to the last day the retention
/// allows, at most `max_days` of them (counted as `processed >= max_days`, empty days included).
#[derive(Debug, Clone)]
pub(crate) struct DayWalk {
    next_day: Option<String>,
    last_day: String,
    processed: f64,
    max_days: Option<f64>,
}

impl DayWalk {
    /// Whether any day lies between the start and the retention's last day, `max_days` aside
    /// (the reference makes the archive folder then, even when `maxDays` is 0).
    pub(crate) fn in_range(&self) -> bool {
        self.next_day.is_some()
    }

    pub(crate) fn has_next(&self) -> bool {
        self.next_day.as_ref().is_some_and(|day| {
            compare_iso_days(day, &self.last_day) != Ordering::Greater
                && !self.max_days.is_some_and(|max| self.processed >= max)
        })
    }

    /// The next day; call only when [`DayWalk::has_next`] holds.
    pub(crate) fn take(&mut self) -> Result<String> {
        let day = self.next_day.take().expect("has_next checked it");
        self.processed += 1.0;
        self.next_day = Some(utc_day::next_utc_day(&day)?);
        Ok(day)
    }
}

/// A day a dry run reports: how many rows would leave SQLite.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDay {
    pub day: String,
    pub row_count: u64,
}

fn now_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64)
}

impl LogStore {
    /// The days `archive_logs(opts)` would take now.
    pub(crate) fn archive_days(&self, opts: &ArchiveOptions) -> Result<DayWalk> {
        let now = opts.now.unwrap_or_else(now_ms);
        let retention = opts.retention_ms.unwrap_or(utc_day::DEFAULT_LOG_RETENTION_MS as f64);
        let last_day = utc_day::last_archivable_utc_day(now - retention)?;
        let watermark = self.get_meta(LOG_ARCHIVE_META_KEY)?;
        if let Some(w) = &watermark {
            utc_day::assert_valid_utc_day(w)?;
        }
        let mut walk = DayWalk { next_day: None, last_day, processed: 0.0, max_days: opts.max_days };
        let Some(min_day) = self.first_log_day()? else { return Ok(walk) };
        let start_day = match &watermark {
            None => min_day,
            Some(w) => {
                let after = utc_day::next_utc_day(w)?;
                if compare_iso_days(&min_day, &after) == Ordering::Less {
                    min_day
                } else {
                    after
                }
            }
        };
        if compare_iso_days(&start_day, &walk.last_day) != Ordering::Greater {
            walk.next_day = Some(start_day);
        }
        Ok(walk)
    }

    /// What `archive_logs(opts)` would move now, day by day, changing nothing. Rows are counted
    /// from the timestamp index, not read.
    pub fn archive_plan(&self, opts: &ArchiveOptions) -> Result<Vec<PlannedDay>> {
        let mut walk = self.archive_days(opts)?;
        let conn = self.stmt_conn()?;
        let mut count = conn.prepare_cached(sql::COUNT_SPAN)?;
        let mut out = Vec::new();
        while walk.has_next() {
            let day = walk.take()?;
            let (start, end) =
                (utc_day::utc_day_start_ms(&day)? as f64, utc_day::utc_day_end_exclusive_ms(&day)? as f64);
            let row_count: i64 = count.query_row([start, end], |r| r.get(0))?;
            out.push(PlannedDay { day, row_count: row_count as u64 });
        }
        Ok(out)
    }

    fn first_log_day(&self) -> Result<Option<String>> {
        let conn = self.stmt_conn()?;
        let min = conn.prepare_cached(sql::MIN_TIMESTAMP)?.query_row([], |r| {
            Ok(match r.get_ref(0)? {
                ValueRef::Null => None,
                ValueRef::Integer(i) => Some(i as f64),
                ValueRef::Real(f) => Some(f),
                // Only a foreign writer can put text or blobs here; `new Date` of it is invalid.
                _ => Some(f64::NAN),
            })
        })?;
        min.map(utc_day::utc_date_string_from_ms).transpose()
    }
}
