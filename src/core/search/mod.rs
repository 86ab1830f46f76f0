//! Full-text search over the hot log rows: `search(text, options)`, newest first or by relevance,
//! with a snippet per row and a cursor for the next page. See docs/search.md for the design.

mod index;
mod query;
mod snippet;
mod tokenize;

pub use index::{index_path, SearchIndex, BATCH_ROWS};

use crate::core::js_value::{js_number, MAX_SAFE_INTEGER};
use crate::core::log_store::LogQuery;
use crate::core::sql::search as sql;
use crate::core::{Error, Result};
use rusqlite::types::Value;

/// `options.limit` when none is given, and the most one page may hold.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first (id descending); the cursor is the last id returned.
    #[default]
    Time,
    /// bm25, best first; the cursor is the number of rows returned so far.
    Rank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    /// Every word must occur, matched literally.
    #[default]
    Plain,
    /// SQLite FTS5 query syntax.
    Fts,
}

impl Order {
    pub fn parse(arg: &str, v: &str) -> Result<Order> {
        match v {
            "time" => Ok(Order::Time),
            "rank" => Ok(Order::Rank),
            _ => Err(Error::arg_value(arg, "one of 'time', 'rank'", &format!("'{}'", shown(v)))),
        }
    }
}

impl Syntax {
    pub fn parse(arg: &str, v: &str) -> Result<Syntax> {
        match v {
            "plain" => Ok(Syntax::Plain),
            "fts" => Ok(Syntax::Fts),
            _ => Err(Error::arg_value(arg, "one of 'plain', 'fts'", &format!("'{}'", shown(v)))),
        }
    }
}

/// At most 80 characters of a caller's text, for messages.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// `options.limit`: an integer from 1 to [`MAX_LIMIT`].
pub fn check_limit(arg: &str, limit: f64) -> Result<usize> {
    if limit.fract() == 0.0 && (1.0..=MAX_LIMIT as f64).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(Error::out_of_range(arg, &format!("an integer from 1 to {MAX_LIMIT}"), &js_number(limit)))
    }
}

/// `options.before`: a cursor from a previous page, a non-negative safe integer.
pub fn check_cursor(arg: &str, before: f64) -> Result<i64> {
    if before.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER as f64).contains(&before) {
        Ok(before as i64)
    } else {
        Err(Error::out_of_range(arg, "a cursor returned as `next` (a non-negative integer)", &js_number(before)))
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchOptions {
    /// source, type, refId, since, until as `query` reads them; its limit is not used.
    pub filter: LogQuery,
    pub limit: usize,
    pub before: Option<i64>,
    pub order: Order,
    pub syntax: Syntax,
}

impl SearchOptions {
    pub fn new() -> Self {
        SearchOptions { limit: DEFAULT_LIMIT, ..Default::default() }
    }
}

/// The invalid-FTS-syntax error, naming the query. FTS5's own wording of what is wrong is kept,
/// without its `fts5:` prefix.
fn syntax_error(text: &str, e: rusqlite::Error) -> Error {
    let detail = match &e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.strip_prefix("fts5: ").unwrap_or(m).to_owned(),
        other => other.to_string(),
    };
    Error::coded(
        "ERR_SEARCH_SYNTAX",
        format!("The search query \"{}\" is not valid FTS5 syntax: {detail}", shown(text)),
    )
}

fn is_query_error(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::Unknown)
}

impl SearchIndex {
    /// Indexes every unseen row, then hands each hit (columns as `LogRow`) and its snippet to `f`;
    /// returns the cursor of the next page, `None` when this was the last.
    pub fn search_each(
        &mut self,
        text: &str,
        opts: &SearchOptions,
        mut f: impl FnMut(&rusqlite::Row<'_>, String) -> Result<()>,
    ) -> Result<Option<i64>> {
        let (expr, words): (String, Vec<&str>) = match opts.syntax {
            Syntax::Plain => {
                let words = query::plain_words(text);
                match query::plain_match(&words) {
                    Some(expr) => (expr, words),
                    None => return Ok(None),
                }
            }
            Syntax::Fts => (query::fts_match(text), query::fts_terms(text)),
        };
        let index = self.get()?;
        index.catch_up(usize::MAX)?;
        let conn = &index.conn;
        let filter = &opts.filter;
        let conds = filter.conds();
        let (mut lo, mut hi) = (0i64, i64::MAX);
        // A time window: its id span first, from idx_logs_timestamp, so the index is only walked
        // across that span.
        let window: Vec<_> = conds.iter().filter(|(c, _)| c.starts_with("timestamp")).collect();
        if !window.is_empty() && window.iter().all(|(_, v)| *v != Value::Null) {
            let names: Vec<&str> = window.iter().map(|(c, _)| *c).collect();
            let span: (Option<i64>, Option<i64>) = conn
                .prepare_cached(&sql::id_span(&names))?
                .query_row(rusqlite::params_from_iter(window.iter().map(|(_, v)| v)), |r| Ok((r.get(0)?, r.get(1)?)))?;
            match span {
                (Some(a), Some(b)) => (lo, hi) = (a, b),
                _ => return Ok(None),
            }
        }
        let names: Vec<&str> = conds.iter().map(|(c, _)| *c).collect();
        let values: Vec<Value> = conds.into_iter().map(|(_, v)| v).collect();
        let fts = opts.syntax == Syntax::Fts;
        let wrap = |e: rusqlite::Error| if fts && is_query_error(&e) { syntax_error(text, e) } else { e.into() };
        let mut emit = |row: &rusqlite::Row<'_>| -> Result<()> {
            let payload = match row.get_ref(4)? {
                rusqlite::types::ValueRef::Text(t) => Some(crate::core::js_value::sqlite_text(t)),
                _ => None,
            };
            let snip = snippet::snippet(payload.as_deref(), &words);
            f(row, snip)
        };
        let limit = opts.limit as i64;
        if opts.order == Order::Time {
            // The cursor is one more upper bound: folded into `hi`, as FTS5 uses only one.
            if let Some(b) = opts.before {
                hi = hi.min(b - 1);
            }
            let mut stmt = conn.prepare_cached(&sql::select_hits(&names))?;
            let mut args: Vec<Value> = vec![Value::Text(expr), lo.into(), hi.into()];
            args.extend(values);
            // One row more than asked for tells whether there is a next page.
            args.push((limit + 1).into());
            let mut rows = stmt.query(rusqlite::params_from_iter(args)).map_err(wrap)?;
            let (mut taken, mut last_id) = (0, 0i64);
            while let Some(row) = rows.next().map_err(wrap)? {
                if taken == limit {
                    return Ok(Some(last_id));
                }
                last_id = row.get(0)?;
                emit(row)?;
                taken += 1;
            }
            return Ok(None);
        }
        // By rank. Unfiltered: the top ids from the index alone (FTS5 then scores and sorts ids,
        // not rows), their rows by id; only when too few are still in `logs` (archived), the ranked
        // join picks up after them. Filtered: the ranked join of ids, which scores only the rows
        // that pass. One read transaction, so every statement sees the same index and scores.
        let offset = opts.before.unwrap_or(0);
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
                    emit(row)?;
                }
                *seen += 1;
            }
            Ok(false)
        };
        if names.is_empty() {
            let first = need.saturating_add(need / 4).saturating_add(16);
            let ids: Vec<i64> = {
                let mut top = tx.prepare_cached(sql::TOP_RANKED)?;
                let rows = top.query_map(rusqlite::params![expr, lo, hi, first], |r| r.get(0)).map_err(wrap)?;
                rows.collect::<rusqlite::Result<_>>().map_err(wrap)?
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
            let mut args: Vec<Value> = vec![Value::Text(expr), lo.into(), hi.into()];
            args.extend(values.iter().cloned());
            args.push((need - seen).into());
            args.push(seen.into());
            let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get(0)).map_err(wrap)?;
            rows.collect::<rusqlite::Result<_>>().map_err(wrap)?
        };
        for id in rest {
            if take(id, &mut seen)? {
                return Ok(Some(offset + limit));
            }
        }
        Ok(None)
    }
}
