//! The `query` filter as it applies to archive lines: which day files can hold a match, a byte
//! test that skips a line before it is parsed, and the exact test on a parsed line.

use super::line::{Line, Why};
use crate::core::js_json;
use crate::core::log_store::LogQuery;
use crate::core::utc_day;
use memchr::memmem::Finder;

/// The filter applied to archive lines, with `query`'s semantics: an explicit `null` (or a NaN
/// bound, which SQLite binds as NULL) matches nothing; `since`/`until` are inclusive.
pub(crate) struct Matcher {
    pub nothing: bool,
    source: Option<String>,
    kind: Option<String>,
    ref_id: Option<String>,
    since: Option<f64>,
    until: Option<f64>,
    /// The exact bytes a matching line holds (`"source":"x","type":` and so on): a line without
    /// them is skipped before it is parsed.
    needles: Vec<Finder<'static>>,
}

impl Matcher {
    pub fn new(q: &LogQuery) -> Self {
        let mut m = Matcher {
            nothing: false,
            source: None,
            kind: None,
            ref_id: None,
            since: None,
            until: None,
            needles: Vec::new(),
        };
        let texts = [(&q.source, "source", "type"), (&q.kind, "type", "refId"), (&q.ref_id, "refId", "payload")];
        for (i, (field, key, next)) in texts.into_iter().enumerate() {
            match field {
                None => {}
                Some(None) => m.nothing = true,
                Some(Some(v)) => {
                    let mut needle = format!(",\"{key}\":");
                    js_json::write_string(&mut needle, v);
                    needle.push_str(&format!(",\"{next}\":"));
                    m.needles.push(Finder::new(needle.as_bytes()).into_owned());
                    *[&mut m.source, &mut m.kind, &mut m.ref_id][i] = Some(v.clone());
                }
            }
        }
        for (field, slot) in [(&q.since, &mut m.since), (&q.until, &mut m.until)] {
            match field {
                None => {}
                Some(Some(v)) if !v.is_nan() => *slot = Some(*v),
                Some(_) => m.nothing = true,
            }
        }
        m
    }

    pub fn may_match(&self, line: &[u8]) -> bool {
        self.needles.iter().all(|f| f.find(line).is_some())
    }

    pub fn matches(&self, l: &Line<'_>) -> std::result::Result<bool, Why> {
        for (want, cell) in [(&self.source, &l.source), (&self.kind, &l.kind), (&self.ref_id, &l.ref_id)] {
            if let Some(want) = want {
                if !cell.text_eq(want)? {
                    return Ok(false);
                }
            }
        }
        Ok(self.since.is_none_or(|s| l.timestamp.at_least(s)) && self.until.is_none_or(|u| l.timestamp.at_most(u)))
    }

    /// The days whose files can hold a matching row: a file holds only rows on its own day.
    pub fn wants_day(&self, day: &str) -> bool {
        let bound = |ms: f64| utc_day::utc_date_string_from_ms(ms).ok().filter(|d| d.len() == 10);
        let after_since = self.since.is_none_or(|s| match bound(s) {
            Some(d) => day >= d.as_str(),
            None => s < 0.0,
        });
        let before_until = self.until.is_none_or(|u| match bound(u) {
            Some(d) => day <= d.as_str(),
            None => u > 0.0,
        });
        after_since && before_until
    }
}
