//! `query` with an equality and a time range takes an index-intersection plan; its rows must be
//! exactly those of the reference's SQL, whatever the data (foreign TEXT timestamps and NULLs
//! included) and whichever plan wins.
mod common;

use common::*;
use nerve_store::core::{LogQuery, LogRow, LogStore};
use rusqlite::types::Value;

fn plain(conn: &rusqlite::Connection, q: &LogQuery) -> Vec<LogRow> {
    let mut conds = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    let num = |v: &Option<f64>| v.map_or(Value::Null, Value::Real);
    if let Some(v) = &q.source {
        conds.push("source = ?");
        args.push(text(v));
    }
    if let Some(v) = &q.kind {
        conds.push("type = ?");
        args.push(text(v));
    }
    if let Some(v) = &q.ref_id {
        conds.push("ref_id = ?");
        args.push(text(v));
    }
    if let Some(v) = &q.since {
        conds.push("timestamp >= ?");
        args.push(num(v));
    }
    if let Some(v) = &q.until {
        conds.push("timestamp <= ?");
        args.push(num(v));
    }
    let mut sql = "SELECT id, source, type, ref_id, payload, timestamp FROM logs".to_string();
    if !conds.is_empty() {
        sql += &format!(" WHERE {}", conds.join(" AND "));
    }
    sql += " ORDER BY id ASC";
    if let Some(l) = q.limit {
        sql += &format!(" LIMIT {l}");
    }
    let mut stmt = conn.prepare(&sql).unwrap();
    stmt.query_map(rusqlite::params_from_iter(args), LogRow::from_row).unwrap().map(Result::unwrap).collect()
}

#[test]
fn intersection_plan_returns_the_plain_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let mut s = LogStore::open(&path).unwrap();
    let mut seed: u64 = 7;
    let mut rnd = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut batch = Vec::new();
    for i in 0..6000 {
        let source = ["a", "b", "c"][rnd(3) as usize];
        let kind = ["x", "y"][rnd(2) as usize];
        let ref_id = if rnd(4) == 0 { None } else { Some(format!("r{}", rnd(40))) };
        // Timestamps mostly rising with ids, some out of order.
        let ts = if rnd(10) == 0 { JAN1 + rnd(6000) as i64 } else { JAN1 + i };
        batch.push(entry(source, kind, ref_id.as_deref(), Some("{}"), ts));
    }
    s.append_many(&batch).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES ('a', 'x', 'r1', NULL, '2026'); \
                       INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES ('a', 'x', 'r1', NULL, 1767225600100.5)").unwrap();
    let mut checked = 0;
    for round in 0..400 {
        let pick = |n: u64, rnd: &mut dyn FnMut(u64) -> u64| rnd(n);
        let mut r = |n| pick(n, &mut rnd);
        let q = LogQuery {
            source: match r(4) {
                0 => None,
                1 => Some(None),
                _ => Some(Some(["a", "b", "c"][r(3) as usize].into())),
            },
            kind: match r(3) {
                0 => None,
                _ => Some(Some(["x", "y"][r(2) as usize].into())),
            },
            ref_id: match r(3) {
                0 => Some(Some(format!("r{}", r(40)))),
                _ => None,
            },
            since: match r(3) {
                0 => None,
                _ => Some(Some((JAN1 + r(6000) as i64) as f64)),
            },
            until: match r(4) {
                0 => None,
                1 => Some(None),
                _ => Some(Some((JAN1 + r(7000) as i64) as f64)),
            },
            limit: match r(4) {
                0 => Some(r(50) as f64),
                1 => Some(-1.0),
                _ => None,
            },
        };
        let mut ours = Vec::new();
        s.query_each(&q, |row| {
            ours.push(LogRow::from_row(row)?);
            Ok(())
        })
        .unwrap();
        assert_eq!(ours, plain(&raw, &q), "round {round}: {q:?}");
        checked += ours.len();
    }
    assert!(checked > 10_000, "the filters select rows ({checked})");
}
