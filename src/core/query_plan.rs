//! A faster plan for `query` filters that combine an equality with a time range.
//!
//! Without statistics SQLite answers `source = ? AND type = ? AND timestamp >= ?` from the
//! (source, type) index and reads every matching row from the table to test its timestamp: one
//! table lookup per row of that source and type, however few are in the range. Both conditions
//! can be answered from indexes alone (every index entry carries the row id), so this module scans
//! the two indexes side by side and keeps the ids found in both. When the equality's set turns out
//! much smaller than the range's, the plain plan is cheaper and the scan stops early; so a query
//! costs at most about twice the better of the two plans. The rows are then read by id and every
//! condition is tested again by SQLite, so the result is exactly the plain query's.

use super::log_store::LogQuery;
use super::Result;
use rusqlite::types::Value;
use rusqlite::Connection;

/// Index entries cost about a tenth of a table lookup; past this many range entries per
/// equality entry, looking the equality's rows up directly is cheaper.
const RANGE_PER_MATCH: usize = 8;
/// Small equality sets are not worth a second scan at all.
const MIN_MATCHES: usize = 64;

/// Equality conditions one index answers, range conditions, and their arguments.
struct Split {
    eq: Vec<(&'static str, Value)>,
    range: Vec<(&'static str, Value)>,
}

fn split(q: &LogQuery) -> Option<Split> {
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    let num = |v: &Option<f64>| v.map_or(Value::Null, Value::Real);
    let mut eq = Vec::new();
    // Only conditions idx_logs_source_type (source first) or idx_logs_ref_id can serve alone.
    if let Some(source) = &q.source {
        eq.push(("source = ?", text(source)));
        if let Some(kind) = &q.kind {
            eq.push(("type = ?", text(kind)));
        }
    } else if let Some(ref_id) = &q.ref_id {
        eq.push(("ref_id = ?", text(ref_id)));
    }
    let mut range = Vec::new();
    if let Some(since) = &q.since {
        range.push(("timestamp >= ?", num(since)));
    }
    if let Some(until) = &q.until {
        range.push(("timestamp <= ?", num(until)));
    }
    (!eq.is_empty() && !range.is_empty()).then_some(Split { eq, range })
}

fn id_query<'c>(conn: &'c Connection, conds: &[(&'static str, Value)]) -> Result<rusqlite::CachedStatement<'c>> {
    let sql = format!("SELECT id FROM logs WHERE {}", conds.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(" AND "));
    Ok(conn.prepare_cached(&sql)?)
}

/// Whether `q` has an equality and a range that [`candidate_ids`] could intersect; the others
/// take the plain plan without looking.
pub(crate) fn applies(q: &LogQuery) -> bool {
    split(q).is_some()
}

/// Ids that may match `q`, ascending, when scanning both indexes pays; `None` for the plain plan.
pub(crate) fn candidate_ids(conn: &Connection, q: &LogQuery) -> Result<Option<Vec<i64>>> {
    let Some(s) = split(q) else { return Ok(None) };
    let mut eq_stmt = id_query(conn, &s.eq)?;
    let mut range_stmt = id_query(conn, &s.range)?;
    let mut eq_rows = eq_stmt.query(rusqlite::params_from_iter(s.eq.iter().map(|(_, v)| v)))?;
    let mut range_rows = range_stmt.query(rusqlite::params_from_iter(s.range.iter().map(|(_, v)| v)))?;
    let (mut eq_ids, mut range_ids) = (Vec::new(), Vec::new());
    let (mut eq_done, mut range_done) = (false, false);
    while !(eq_done && range_done) {
        if !eq_done {
            match eq_rows.next()? {
                Some(r) => eq_ids.push(r.get::<_, i64>(0)?),
                None => eq_done = true,
            }
        }
        if !range_done {
            match range_rows.next()? {
                Some(r) => range_ids.push(r.get::<_, i64>(0)?),
                None => range_done = true,
            }
        }
        if eq_done && !range_done && range_ids.len() > RANGE_PER_MATCH * eq_ids.len().max(MIN_MATCHES) {
            return Ok(None);
        }
    }
    eq_ids.sort_unstable();
    range_ids.sort_unstable();
    let mut out = Vec::with_capacity(eq_ids.len().min(range_ids.len()));
    let (mut i, mut j) = (0, 0);
    while i < eq_ids.len() && j < range_ids.len() {
        match eq_ids[i].cmp(&range_ids[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(eq_ids[i]);
                i += 1;
                j += 1;
            }
        }
    }
    Ok(Some(out))
}
