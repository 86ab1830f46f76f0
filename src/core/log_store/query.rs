//! `query`: the filter, its checks, and its two plans.
//!
//! The plain plan is the reference's statement. Filters that combine an equality with a time range
//! get a second one: without statistics SQLite answers `source = ? AND type = ? AND timestamp >= ?`
//! from the (source, type) index and reads every matching row from the table to test its
//! timestamp, one table lookup per row of that source and type however few are in the range. Both
//! conditions can be answered from indexes alone (every index entry carries the row id), so the two
//! indexes are scanned side by side and the ids found in both kept. When the equality's set turns
//! out much smaller than the range's, the plain plan is cheaper and the scan stops early; so a
//! query costs at most about twice the better of the two plans. The rows are then read by id and
//! every condition is tested again by SQLite, so the result is exactly the plain query's.

use super::LogStore;
use crate::core::js_value::{js_number, MAX_SAFE_INTEGER};
use crate::core::sql::{self, transaction};
use crate::core::{Error, Result};
use rusqlite::types::Value;
use rusqlite::Connection;

/// Index entries cost about a tenth of a table lookup; past this many range entries per
/// equality entry, looking the equality's rows up directly is cheaper.
const RANGE_PER_MATCH: usize = 8;
/// Small equality sets are not worth a second scan at all.
const MIN_MATCHES: usize = 64;

/// A query filter. For each field `None` means "not given"; `Some(None)` is an explicit `null`,
/// which (as `col = NULL` in SQL) matches no row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogQuery {
    pub source: Option<Option<String>>,
    pub kind: Option<Option<String>>,
    pub ref_id: Option<Option<String>>,
    pub since: Option<Option<f64>>,
    pub until: Option<Option<f64>>,
    /// Negative means no limit, as in SQLite; anything but a safe integer is refused (see
    /// [`check_limit`]).
    pub limit: Option<f64>,
}

/// A query limit as the row count SQLite binds: a safe integer, where a negative one means no
/// limit. The reference splices `${limit}` into its SQL text, so 1.5 or NaN fail there with a
/// SQLite syntax or datatype error; here they are refused by name and the limit is always bound.
pub fn check_limit(limit: f64) -> Result<i64> {
    if limit.is_finite() && limit.fract() == 0.0 && limit.abs() <= MAX_SAFE_INTEGER as f64 {
        Ok(if limit < 0.0 { -1 } else { limit as i64 })
    } else {
        Err(Error::out_of_range("filter.limit", "a safe integer (negative for no limit)", &js_number(limit)))
    }
}

type Conds = Vec<(&'static str, Value)>;

fn text(v: &Option<String>) -> Value {
    v.clone().map_or(Value::Null, Value::Text)
}

fn num(v: &Option<f64>) -> Value {
    v.map_or(Value::Null, Value::Real)
}

impl LogQuery {
    /// Every condition of the filter, in the reference's order.
    pub(super) fn conds(&self) -> Conds {
        let mut c = Vec::new();
        let fields =
            [(sql::WHERE_SOURCE, &self.source), (sql::WHERE_TYPE, &self.kind), (sql::WHERE_REF_ID, &self.ref_id)];
        c.extend(fields.into_iter().filter_map(|(cond, v)| v.as_ref().map(|v| (cond, text(v)))));
        c.extend(self.since.as_ref().map(|v| (sql::WHERE_SINCE, num(v))));
        c.extend(self.until.as_ref().map(|v| (sql::WHERE_UNTIL, num(v))));
        c
    }

    /// The equality conditions one index answers alone (idx_logs_source_type, source first, or
    /// idx_logs_ref_id) and the range conditions; `None` when either is missing.
    fn index_split(&self) -> Option<(Conds, Conds)> {
        let mut eq = Vec::new();
        if let Some(source) = &self.source {
            eq.push((sql::WHERE_SOURCE, text(source)));
            if let Some(kind) = &self.kind {
                eq.push((sql::WHERE_TYPE, text(kind)));
            }
        } else if let Some(ref_id) = &self.ref_id {
            eq.push((sql::WHERE_REF_ID, text(ref_id)));
        }
        let mut range = Vec::new();
        range.extend(self.since.as_ref().map(|v| (sql::WHERE_SINCE, num(v))));
        range.extend(self.until.as_ref().map(|v| (sql::WHERE_UNTIL, num(v))));
        (!eq.is_empty() && !range.is_empty()).then_some((eq, range))
    }
}

fn names(conds: &Conds) -> Vec<&'static str> {
    conds.iter().map(|(c, _)| *c).collect()
}

impl LogStore {
    pub fn query(&mut self, q: &LogQuery) -> Result<Vec<super::LogRow>> {
        let mut out = Vec::new();
        self.query_each(q, |row| {
            out.push(super::LogRow::from_row(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs the query and hands each row (columns as in [`super::LogRow`]) to `f` without copying it.
    pub fn query_each(&mut self, q: &LogQuery, mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<()>) -> Result<()> {
        let conn = self.db_conn()?;
        let conds = q.conds();
        let limit = q.limit.map(check_limit).transpose()?;
        if let Some(split) = q.index_split() {
            // One snapshot for the index scans and the reads by id.
            let done = transaction::snapshot(conn, |tx| {
                let Some(ids) = candidate_ids(tx, &split)? else { return Ok(false) };
                // Negative (no limit) becomes u64::MAX rows.
                let row_limit = limit.map_or(u64::MAX, |l| u64::try_from(l).unwrap_or(u64::MAX));
                let mut stmt = tx.prepare_cached(&sql::select_log_by_id(&names(&conds)))?;
                let mut taken = 0;
                for id in ids {
                    if taken >= row_limit {
                        break;
                    }
                    let id = Value::Integer(id);
                    let args = std::iter::once(&id).chain(conds.iter().map(|(_, v)| v));
                    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                    if let Some(row) = rows.next()? {
                        f(row)?;
                        taken += 1;
                    }
                }
                Ok(true)
            })?;
            if done {
                return Ok(());
            }
        }
        let mut stmt = conn.prepare_cached(&sql::select_logs(&names(&conds), limit.is_some()))?;
        let args = conds.into_iter().map(|(_, v)| v).chain(limit.map(Value::Integer));
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            f(row)?;
        }
        Ok(())
    }
}

/// Ids that may match, ascending, when scanning both indexes pays; `None` for the plain plan.
fn candidate_ids(conn: &Connection, (eq, range): &(Conds, Conds)) -> Result<Option<Vec<i64>>> {
    let mut eq_stmt = conn.prepare_cached(&sql::select_ids(&names(eq)))?;
    let mut range_stmt = conn.prepare_cached(&sql::select_ids(&names(range)))?;
    let mut eq_rows = eq_stmt.query(rusqlite::params_from_iter(eq.iter().map(|(_, v)| v)))?;
    let mut range_rows = range_stmt.query(rusqlite::params_from_iter(range.iter().map(|(_, v)| v)))?;
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
