//! appendMany, group commit and the columnar query encoding.
mod common;

use common::*;
use nerve_store::core::{lock, GroupCommit};
use nerve_store::core::{LogQuery, LogRow, LogStore};
use nerve_store::core::{LogRowBatch, TextChunk, COLUMNS, NULL_INDEX, SPECIAL};
use rusqlite::types::Value;
use std::sync::{mpsc, Arc, Mutex};

fn open() -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(dir.path().join("logs.db")).unwrap();
    (dir, store)
}

#[test]
fn append_many_is_all_or_nothing() {
    let (_d, mut s) = open();
    let good: Vec<_> = (0..100).map(|i| entry("s", "t", None, Some("{}"), JAN1 + i)).collect();
    let ids = s.append_many(&good).unwrap();
    assert_eq!(ids.len(), 100);
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
    let mut bad = good.clone();
    bad[50].timestamp = f64::NAN;
    let err = s.append_many(&bad).unwrap_err();
    assert_eq!(err.code, "ERR_OUT_OF_RANGE");
    assert_eq!(s.query(&LogQuery::default()).unwrap().len(), 100, "nothing of the failed batch is stored");
    assert!(s.append_many(&[]).unwrap().is_empty());
}

#[test]
fn group_commit_answers_every_entry_once_durable() {
    let (dir, s) = open();
    let store = Arc::new(Mutex::new(s));
    let (tx, rx) = mpsc::channel();
    let mut group = GroupCommit::start(store.clone(), Box::new(move |batch| tx.send(batch).unwrap())).unwrap();
    let mut seq = 0;
    for i in 0..500 {
        let mut e = entry("s", "t", Some("r"), None, JAN1 + i);
        if i == 77 {
            // Refused when submitted: it never reaches a commit, and takes no sequence number.
            e.timestamp = f64::INFINITY;
            assert_eq!(group.submit(e).unwrap_err().code, "ERR_OUT_OF_RANGE");
            continue;
        }
        assert_eq!(group.submit(e).unwrap(), seq);
        seq += 1;
    }
    group.shutdown();
    let batches: Vec<_> = rx.iter().collect();
    assert!(batches.len() < 499, "entries in flight together share a commit");
    let mut results: Vec<_> = batches.into_iter().flatten().collect();
    results.sort_by_key(|(seq, _)| *seq);
    assert_eq!(results.len(), 499);
    let ok: Vec<i64> = results.iter().filter_map(|(_, r)| r.as_ref().ok().copied()).collect();
    assert_eq!(ok.len(), 499, "every submitted entry is committed");
    lock(&store).close().unwrap();
    // Reopened from disk: every acknowledged row is there.
    let mut again = LogStore::open(dir.path().join("logs.db")).unwrap();
    let ids: Vec<Value> = again.query(&LogQuery::default()).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ok.into_iter().map(Value::Integer).collect::<Vec<_>>());
}

#[test]
fn group_commit_on_a_closed_store_fails_each_entry() {
    let (_d, s) = open();
    let store = Arc::new(Mutex::new(s));
    let (tx, rx) = mpsc::channel();
    let mut group = GroupCommit::start(store.clone(), Box::new(move |batch| tx.send(batch).unwrap())).unwrap();
    lock(&store).close().unwrap();
    group.submit(entry("s", "t", None, None, JAN1)).unwrap();
    let batch = rx.recv().unwrap();
    assert_eq!(batch[0].1.as_ref().unwrap_err().code, "ERR_INVALID_STATE");
    group.shutdown();
    assert_eq!(group.submit(entry("s", "t", None, None, JAN1)).unwrap_err().code, "ERR_INVALID_STATE");
}

/// What `lib/rows.js` does with a batch, in Rust.
fn decode(mut b: LogRowBatch) -> Vec<LogRow> {
    b.finish();
    let chunks: Vec<Vec<u16>> = b
        .take_chunks()
        .into_iter()
        .map(|c| match c {
            TextChunk::Latin1(bytes) => bytes.into_iter().map(u16::from).collect(),
            TextChunk::Utf16(units) => units,
        })
        .collect();
    let mut special = b.special.into_iter();
    (0..b.len)
        .map(|i| {
            let c = &b.columns[i * COLUMNS..(i + 1) * COLUMNS];
            if c[0] == SPECIAL {
                return special.next().unwrap();
            }
            let text = |k: u32| if k == NULL_INDEX { Value::Null } else { Value::Text(b.dict[k as usize].clone()) };
            let num = |f: f64| if f.fract() == 0.0 { Value::Integer(f as i64) } else { Value::Real(f) };
            LogRow {
                id: num(b.numbers[2 * i]),
                source: text(c[0]),
                kind: text(c[1]),
                ref_id: text(c[2]),
                payload: if c[3] == NULL_INDEX {
                    Value::Null
                } else {
                    Value::Text(String::from_utf16(&chunks[c[5] as usize][c[3] as usize..c[4] as usize]).unwrap())
                },
                timestamp: num(b.numbers[2 * i + 1]),
            }
        })
        .collect()
}

#[test]
fn row_batch_round_trips_every_kind_of_row() {
    let (dir, mut s) = open();
    let big = "x".repeat(700_000);
    let payloads =
        [Some("{}".to_string()), None, Some("héllo ✓ 𝄞".into()), Some(big.clone()), Some(big), Some("tail".into())];
    for (i, p) in payloads.iter().enumerate() {
        let ref_id = if i % 2 == 0 { Some("r") } else { None };
        s.append(&entry("src", &format!("t{}", i % 3), ref_id, p.as_deref(), JAN1 + i as i64)).unwrap();
    }
    let raw = rusqlite::Connection::open(dir.path().join("logs.db")).unwrap();
    raw.execute(
        "INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES ('s', 't', NULL, x'0102', 1.5)",
        [],
    )
    .unwrap();
    raw.execute(
        "INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES ('s', 't', ?1, 'a', 2)",
        ["nul\u{0}cut"],
    )
    .unwrap();
    let expected = s.query(&LogQuery::default()).unwrap();
    let mut batch = LogRowBatch::new();
    s.query_each(&LogQuery::default(), |row| batch.push(row)).unwrap();
    assert!(batch.chunks.len() >= 2, "large payloads spread over several chunks");
    assert_eq!(batch.special.len(), 1, "only the BLOB row needs the slow path");
    assert_eq!(decode(batch), expected);
}
