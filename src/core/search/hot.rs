//! Hits from the index, joined with the rows still in `logs`: newest first below a cursor, or by
//! rank from an offset.

use super::Query;
use crate::core::log_store::LogQuery;
use crate::core::sql::search as sql;
use crate::core::Result;
use rusqlite::types::Value;
use rusqlite::Connection;

/// The id span of the filter's time window, from idx_logs_timestamp, so only that span of the
/// index is walked: `(0, i64::MAX)` without a window, `None` when the window holds no row.
fn span(conn: &Connection, filter: &LogQuery) -> Result<Option<(i64, i64)>> {
    let conds = filter.conds();
    let window: Vec<_> = conds.iter().filter(|(c, _)| c.starts_with("timestamp")).collect();
    if window.is_empty() || window.iter().any(|(_, v)| *v == Value::Null) {
        return Ok(Some((0, i64::MAX)));
    }
    let names: Vec<&str> = window.iter().map(|(c, _)| *c).collect();
    let span: (Option<i64>, Option<i64>) = conn
        .prepare_cached(&sql::id_span(&names))?
        .query_row(rusqlite::params_from_iter(window.iter().map(|(_, v)| v)), |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(match span {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    })
}

/// Hands up to `take` hits below `before` to `f`, newest first.
pub(super) fn newest(
    conn: &Connection,
    q: &Query<'_>,
    filter: &LogQuery,
    before: Option<i64>,
    take: usize,
    mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<()>,
) -> Result<()> {
    let Some((lo, mut hi)) = span(conn, filter)? else { return Ok(()) };
    // The cursor is one more upper bound: folded into `hi`, as FTS5 uses only one.
    if let Some(b) = before {
        hi = hi.min(b - 1);
    }
    let conds = filter.conds();
    let names: Vec<&str> = conds.iter().map(|(c, _)| *c).collect();
    let mut stmt = conn.prepare_cached(&sql::select_hits(&names))?;
    let mut args: Vec<Value> = vec![Value::Text(q.expr.clone()), lo.into(), hi.into()];
    args.extend(conds.into_iter().map(|(_, v)| v));
    args.push((take as i64).into());
    let mut rows = stmt.query(rusqlite::params_from_iter(args)).map_err(|e| q.error(e))?;
    while let Some(row) = rows.next().map_err(|e| q.error(e))? {
        f(row)?;
    }
    Ok(())
}

/// Hands the hits from rank `offset` on, at most `limit`, to `f`; returns the cursor of the next
/// page. Unfiltered: the top ids from the index alone (FTS5 then scores and sorts ids, not rows),
/// their rows by id; only when too few are still in `logs` (archived), the ranked join picks up
/// after them. Filtered: the ranked join of ids, which scores only the rows that pass. One read
/// transaction, so every statement sees the same index and scores.
pub(super) fn ranked(
    conn: &Connection,
    q: &Query<'_>,
    filter: &LogQuery,
    offset: i64,
    limit: i64,
    mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<()>,
) -> Result<Option<i64>> {
    let Some((lo, hi)) = span(conn, filter)? else { return Ok(None) };
    let conds = filter.conds();
    let names: Vec<&str> = conds.iter().map(|(c, _)| *c).collect();
    let values: Vec<Value> = conds.into_iter().map(|(_, v)| v).collect();
    let expr = &q.expr;
    let need = offset.saturating_add(limit + 1);
    let tx = conn.unchecked_transaction()?;
    let mut by_id = tx.prepare_cached(&sql::row_by_id(&names))?;
    // Rows passing the filters so far, in rank order.
    let mut seen = 0i64;
    let mut take = |id: i64, seen: &mut i64| -> Result<bool> {
        let mut args: Vec<Value> = vec![id.into()];
        args.extend(values.iter().cloned());
        let mut rows = by_id.query(rusqlite::params_from_iter(args))?;
        if let Some(row) = rows.next()? {
            if *seen == offset + limit {
                return Ok(true);
            }
            if *seen >= offset {
                f(row)?;
            }
            *seen += 1;
        }
        Ok(false)
    };
    if names.is_empty() {
        let first = need.saturating_add(need / 4).saturating_add(16);
        let ids: Vec<i64> = {
            let mut top = tx.prepare_cached(sql::TOP_RANKED)?;
            let rows = top.query_map(rusqlite::params![expr, lo, hi, first], |r| r.get(0)).map_err(|e| q.error(e))?;
            rows.collect::<rusqlite::Result<_>>().map_err(|e| q.error(e))?
        };
        let exhausted = (ids.len() as i64) < first;
        for id in ids {
            if take(id, &mut seen)? {
                return Ok(Some(offset + limit));
            }
        }
        if exhausted {
            return Ok(None);
        }
    } else {
        seen = offset;
    }
    let rest: Vec<i64> = {
        let mut stmt = tx.prepare_cached(&sql::ranked_rows(&names))?;
        let mut args: Vec<Value> = vec![Value::Text(expr.clone()), lo.into(), hi.into()];
        args.extend(values.iter().cloned());
        args.push((need - seen).into());
        args.push(seen.into());
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get(0)).map_err(|e| q.error(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| q.error(e))?
    };
    for id in rest {
        if take(id, &mut seen)? {
            return Ok(Some(offset + limit));
        }
    }
    Ok(None)
}
