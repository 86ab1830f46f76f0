//! The archive's side of a search: the newest archived rows below a cursor that the query matches.
//! The day files are walked newest first (`archive::NewestFirst`), only the lines that pass the
//! byte prefilter are parsed and filtered, and their rows are matched in batches by FTS5 on the
//! scratch database, with the text the index would hold for them.

use super::prefilter::Prefilter;
use super::scratch::Scratch;
use super::tokenize::index_text;
use super::Query;
use crate::core::archive::NewestFirst;
use crate::core::log_store::{LogQuery, LogRow};
use crate::core::Result;
use rusqlite::types::Value;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::Path;

/// Rows matched per FTS5 batch: at least enough to fill the page, so a common word takes one
/// batch, and never so few that a walk through many near misses pays a transaction per row.
const MIN_BATCH: usize = 32;
const MAX_BATCH: usize = 1024;

fn text(v: &Value) -> Option<&str> {
    match v {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

/// The text the index holds for a row (as `Index::index_batch` builds it).
fn indexed(row: &LogRow) -> String {
    index_text(text(&row.source).unwrap_or(""), text(&row.kind).unwrap_or(""), text(&row.ref_id), text(&row.payload))
}

/// Up to `want` matching archived rows with ids below `before`, newest first, each id once.
pub(super) fn newest(
    dir: &Path,
    q: &Query<'_>,
    filter: &LogQuery,
    before: Option<i64>,
    want: usize,
    prefilter: &Prefilter,
    scratch: &Scratch,
) -> Result<Vec<(i64, LogRow)>> {
    let mut walk = NewestFirst::open(dir, filter, before)?;
    let mut top: BTreeMap<i64, LogRow> = BTreeMap::new();
    let mut pending: Vec<(i64, LogRow)> = Vec::new();
    let mut pending_ids: HashSet<i64> = HashSet::new();
    let mut select = |block: &[u8], out: &mut Vec<Range<usize>>| prefilter.select(block, out);
    loop {
        let floor = if top.len() >= want { top.keys().next().copied() } else { None };
        let next = walk.next(floor, &mut select)?;
        let done = next.is_none();
        if let Some((id, row)) = next {
            // A row in two day files (only a hand-made archive has one) counts once.
            if !top.contains_key(&id) && pending_ids.insert(id) {
                pending.push((id, row));
            }
        }
        let batch = (want - top.len().min(want)).clamp(MIN_BATCH, MAX_BATCH);
        if !pending.is_empty() && (done || pending.len() >= batch) {
            let texts: Vec<(i64, String)> = pending.iter().map(|(id, row)| (*id, indexed(row))).collect();
            let matched: HashSet<i64> =
                scratch.matching(&q.expr, &texts).map_err(|e| q.error(e))?.into_iter().collect();
            pending_ids.clear();
            for (id, row) in pending.drain(..) {
                if matched.contains(&id) {
                    top.insert(id, row);
                    if top.len() > want {
                        top.pop_first();
                    }
                }
            }
        }
        if done {
            return Ok(top.into_iter().rev().collect());
        }
    }
}
