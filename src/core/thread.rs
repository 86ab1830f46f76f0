//! A run's thread: its trigger payload, command events, workflow messages and role rounds.
//!
//! The reference re-reads and re-parses every payload of the run on each call (SQLite's JSON
//! functions for rounds, `JSON.parse` for messages). Rows are only ever appended with growing ids,
//! so both can be kept incrementally: the round numbering is cached here, and message and event
//! payloads are served as deltas ("rows after id N") that the facade keeps parsed. A cache stays
//! valid while [`LogStore::generation`] does; anything other than this connection's own appends
//! (a commit by another connection, or our own archive) moves the generation and starts it over.

use super::js_json;
use super::js_value::{sqlite_text, sqlite_value, MAX_SAFE_INTEGER};
use super::log_store::LogStore;
use super::sql;
use super::Result;
use rusqlite::params;
use rusqlite::types::{Value, ValueRef};
use std::collections::HashMap;

/// Runs whose round numbering is kept; the least recently used is dropped beyond this.
const ROUND_INDEX_RUNS: usize = 64;

/// A role round: only rows whose payload `JSON.parse` turns into an object are returned.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundRow {
    pub round: i64,
    pub log_id: Value,
    pub timestamp: Value,
    /// JSON object text.
    pub payload: String,
}

/// Which of a run's payload lists [`LogStore::thread_payloads_since`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadList {
    Events,
    Messages,
}

/// Reads of a run's list are retried while the database's data version moves under them, at most
/// this often. Past that (a writer committing without pause, or a WAL index SQLite cannot map, where
/// the version moves on every read) the list is read whole and not cached, instead of looping on.
const SETTLE_TRIES: u32 = 4;
/// A generation no real one equals: a round index cached under it is rebuilt on the next call.
const UNSETTLED: u64 = u64::MAX;

/// Payloads of a run's rows after a known id, or all of them when `generation` moved on.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadDelta {
    pub generation: u64,
    /// True when `payloads` is the whole list (the caller's copy, if any, is stale).
    pub reset: bool,
    /// The highest id read for the run's list (rows whose payload is no object count too), or
    /// the caller's `after` when nothing new was read.
    pub last_id: i64,
    /// JSON object texts, in id order.
    pub payloads: Vec<String>,
    /// False when the list could not be tied to `generation` and must not be cached.
    pub keep: bool,
}

/// The ids of a run's rounds: round `n` is `ids[n - 1]`.
#[derive(Debug, Default)]
pub(crate) struct RoundIndex {
    generation: u64,
    /// Highest id read among the run's round-type rows (qualifying or not).
    last_id: Option<i64>,
    ids: Vec<i64>,
    used: u64,
}

#[derive(Debug, Default)]
pub(crate) struct RoundCache {
    runs: HashMap<String, RoundIndex>,
    tick: u64,
}

impl RoundCache {
    pub(crate) fn clear(&mut self) {
        self.runs.clear();
    }

    fn entry(&mut self, run_id: &str, generation: u64) -> &mut RoundIndex {
        self.tick += 1;
        if !self.runs.contains_key(run_id) && self.runs.len() >= ROUND_INDEX_RUNS {
            if let Some(oldest) = self.runs.iter().min_by_key(|(_, r)| r.used).map(|(k, _)| k.clone()) {
                self.runs.remove(&oldest);
            }
        }
        let tick = self.tick;
        let index =
            self.runs.entry(run_id.to_owned()).or_insert_with(|| RoundIndex { generation, ..Default::default() });
        if index.generation != generation {
            *index = RoundIndex { generation, ..Default::default() };
        }
        index.used = tick;
        index
    }
}

/// The payload as JavaScript would see it, if `JSON.parse` makes a plain object of it.
pub(crate) fn object_payload(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => {
            let s = sqlite_text(t);
            js_json::is_object_text(&s).then(|| s.into_owned())
        }
        // node:sqlite hands back numbers or a Uint8Array; neither parses to an object.
        _ => None,
    }
}

/// `rn < before` for the reference's `(@before = 0 OR rn < @before)`, as a count of rounds: how
/// many of rounds `1..=n` are eligible.
fn rounds_below(before: f64, n: usize) -> usize {
    if before == 0.0 {
        n
    } else if before <= 1.0 {
        0
    } else {
        // rn < before  <=>  rn <= ceil(before) - 1
        let top = before.ceil() - 1.0;
        if top >= n as f64 {
            n
        } else {
            top as usize
        }
    }
}

/// Whether `getThreadRounds` with this `limit` reads anything: below 1 it answers `[]` before
/// looking at its other arguments, as the reference does (NaN is not below 1).
pub fn thread_rounds_wanted(limit: f64) -> bool {
    limit >= 1.0 || limit.is_nan()
}

impl LogStore {
    /// The first `workflow/started` payload of the run, if it parses to a JSON object.
    pub fn trigger_payload(&self, run_id: &str) -> Result<Option<String>> {
        let conn = self.stmt_conn()?;
        let mut stmt = conn.prepare_cached(sql::TRIGGER_PAYLOAD)?;
        let mut rows = stmt.query([run_id])?;
        Ok(match rows.next()? {
            Some(row) => object_payload(row.get_ref(0)?),
            None => None,
        })
    }

    /// Payloads of the run's `thread_command_event` rows that parse to JSON objects, by id.
    pub fn thread_event_payloads(&mut self, run_id: &str) -> Result<Vec<String>> {
        Ok(self.thread_payloads_since(ThreadList::Events, run_id, None)?.payloads)
    }

    /// Payloads of the run's `thread_workflow_message` rows that parse to JSON objects, by id.
    pub fn thread_message_payloads(&mut self, run_id: &str) -> Result<Vec<String>> {
        Ok(self.thread_payloads_since(ThreadList::Messages, run_id, None)?.payloads)
    }

    /// The list's payloads after `known = (generation, last_id)`, or all of them (`reset`) when
    /// `known` is `None` or from an older generation.
    pub fn thread_payloads_since(
        &mut self,
        list: ThreadList,
        run_id: &str,
        known: Option<(u64, i64)>,
    ) -> Result<PayloadDelta> {
        let sql = match list {
            ThreadList::Events => sql::THREAD_EVENTS_AFTER,
            ThreadList::Messages => sql::THREAD_MESSAGES_AFTER,
        };
        for attempt in 0.. {
            let generation = self.generation()?;
            // Past a few tries the whole list is read in one statement and not kept (see
            // `SETTLE_TRIES`).
            let settled = attempt < SETTLE_TRIES;
            let after = known.filter(|(g, _)| settled && *g == generation).map(|(_, id)| id);
            let mut delta = PayloadDelta {
                generation,
                reset: after.is_none(),
                last_id: after.unwrap_or(i64::MIN),
                payloads: Vec::new(),
                keep: settled,
            };
            {
                let mut stmt = self.stmt_conn()?.prepare_cached(sql)?;
                let mut rows = stmt.query(params![run_id, delta.last_id])?;
                while let Some(row) = rows.next()? {
                    delta.last_id = row.get(0)?;
                    if let Some(p) = object_payload(row.get_ref(1)?) {
                        delta.payloads.push(p);
                    }
                }
            }
            // Another connection committed while we read: the rows may mix two states.
            if !settled || self.generation()? == generation {
                return Ok(delta);
            }
        }
        unreachable!("the loop returns once it stops retrying")
    }

    pub fn thread_round_count(&mut self, run_id: &str) -> Result<i64> {
        let index = self.round_index(run_id)?;
        Ok(index.ids.len() as i64)
    }

    /// Role rounds, highest round first. `before == 0` means no upper bound; `limit < 1` gives
    /// `[]`. Ordinary arguments are served from the round index; anything else (a fractional or
    /// huge `limit`, a non-finite `before`) runs the reference's own SQL so SQLite's answer, or its
    /// error, is the same.
    pub fn thread_rounds(&mut self, run_id: &str, before: f64, limit: f64) -> Result<Vec<RoundRow>> {
        if !thread_rounds_wanted(limit) {
            return Ok(Vec::new());
        }
        let ordinary = before.is_finite() && limit.fract() == 0.0 && limit <= MAX_SAFE_INTEGER as f64;
        if !ordinary {
            return self.thread_rounds_uncached(run_id, before, limit);
        }
        let index = self.round_index(run_id)?;
        let hi = rounds_below(before, index.ids.len());
        let lo = hi.saturating_sub(limit as usize);
        let picked: Vec<(usize, i64)> = (lo..hi).rev().map(|i| (i + 1, index.ids[i])).collect();
        let mut out = Vec::with_capacity(picked.len());
        let mut missing = false;
        {
            let mut stmt = self.stmt_conn()?.prepare_cached(sql::ROUND_ROW)?;
            for (round, id) in picked {
                let mut rows = stmt.query([id])?;
                let Some(row) = rows.next()? else {
                    missing = true;
                    break;
                };
                if let Some(payload) = object_payload(row.get_ref(2)?) {
                    let (log_id, timestamp) = (sqlite_value(row.get_ref(0)?), sqlite_value(row.get_ref(1)?));
                    out.push(RoundRow { round: round as i64, log_id, timestamp, payload });
                }
            }
        }
        if missing {
            // The index is only used while no other writer committed, so this cannot happen;
            // if it does, trust SQLite over the index.
            self.round_cache.clear();
            return self.thread_rounds_uncached(run_id, before, limit);
        }
        Ok(out)
    }

    /// The reference's SQL, without the round index.
    pub fn thread_rounds_uncached(&self, run_id: &str, before: f64, limit: f64) -> Result<Vec<RoundRow>> {
        let conn = self.stmt_conn()?;
        let mut stmt = conn.prepare_cached(sql::ROUNDS)?;
        let mut rows = stmt.query(params![run_id, before, limit])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            if let Some(payload) = object_payload(row.get_ref(2)?) {
                let (log_id, timestamp) = (sqlite_value(row.get_ref(0)?), sqlite_value(row.get_ref(1)?));
                out.push(RoundRow { round: row.get(3)?, log_id, timestamp, payload });
            }
        }
        Ok(out)
    }

    /// The run's round index, brought up to date with the rows appended since it was last read.
    fn round_index(&mut self, run_id: &str) -> Result<&RoundIndex> {
        for attempt in 0.. {
            let generation = self.generation()?;
            let settled = attempt < SETTLE_TRIES;
            // Unsettled: the whole list in one statement, cached under a generation that never
            // matches, so the next call reads it afresh.
            let after = if settled { self.round_cache.entry(run_id, generation).last_id } else { None };
            let mut new_ids = Vec::new();
            let mut last_id = after;
            {
                let mut stmt = self.stmt_conn()?.prepare_cached(sql::ROUND_ROWS_AFTER)?;
                let mut rows = stmt.query(params![run_id, after.unwrap_or(i64::MIN)])?;
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    last_id = Some(id);
                    if matches!(row.get_ref(1)?, ValueRef::Integer(q) if q != 0) {
                        new_ids.push(id);
                    }
                }
            }
            if settled && self.generation()? != generation {
                continue;
            }
            let index = self.round_cache.entry(run_id, if settled { generation } else { UNSETTLED });
            if !settled {
                index.ids.clear();
            }
            index.ids.extend(new_ids);
            index.last_id = last_id;
            return Ok(self.round_cache.runs.get(run_id).expect("entry was just made"));
        }
        unreachable!("the loop returns once it stops retrying")
    }
}

#[cfg(test)]
mod tests {
    use super::rounds_below;

    #[test]
    fn rounds_below_follows_sql_comparison() {
        assert_eq!(rounds_below(0.0, 5), 5);
        assert_eq!(rounds_below(-0.0, 5), 5);
        assert_eq!(rounds_below(3.0, 5), 2);
        assert_eq!(rounds_below(3.5, 5), 3);
        assert_eq!(rounds_below(1.0, 5), 0);
        assert_eq!(rounds_below(0.5, 5), 0);
        assert_eq!(rounds_below(-4.0, 5), 0);
        assert_eq!(rounds_below(99.0, 5), 5);
    }
}
