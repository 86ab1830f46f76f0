//! Search against a brute-force truth: the same rows scanned in Rust for the query words.

mod common;

use common::*;
use nerve_store::core::{ArchiveOptions, LogQuery, LogStore, Order, SearchIndex, SearchOptions, Syntax};

const WORDS: &[&str] = &["disk", "full", "error", "timeout", "retry", "café", "Überweisung", "ENOSPC", "alpha"];
const CJK: &[&str] = &["数据库连接错误", "磁盘已满", "请求超时后重试", "日志写入失败"];

fn payload(rng: &mut Rng, i: usize) -> Option<String> {
    let w = |rng: &mut Rng| format!("{} {}", rng.pick(WORDS), rng.pick(WORDS));
    match i % 5 {
        0 => Some(format!(r#"{{"msg":"{}","n":{i},"deep":{{"list":["{}",1,true]}}}}"#, w(rng), rng.pick(CJK))),
        1 => Some(format!("plain text {} at /var/log/x{i}.log", w(rng))),
        2 => Some(format!(r#"{{"runId":"run-mwrh{i}-live","text":"{}{}"}}"#, rng.pick(CJK), rng.pick(CJK))),
        3 => None,
        _ => Some(format!(r#"{{"disk":"keys are not indexed","v":"{}"}}"#, w(rng))),
    }
}

fn seeded(dir: &std::path::Path, rows: usize) -> (LogStore, Vec<(i64, String)>) {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let store = LogStore::open(dir.join("logs.db")).unwrap();
    let mut truth = Vec::new();
    for i in 0..rows {
        let p = payload(&mut rng, i);
        let id = store.append(&entry("daemon", "event", None, p.as_deref(), JAN1 + i as i64 * 1000)).unwrap();
        // The searchable text for the truth: payload values (keys of the JSON object excluded).
        let visible = match &p {
            Some(p) if p.starts_with('{') => {
                let v: serde_json::Value = serde_json::from_str(p).unwrap();
                let mut out = String::new();
                collect(&v, &mut out);
                out
            }
            Some(p) => p.clone(),
            None => String::new(),
        };
        truth.push((id, format!("daemon event {visible}").to_lowercase()));
    }
    (store, truth)
}

fn collect(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push(' ');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}

fn search(index: &mut SearchIndex, text: &str, opts: &SearchOptions) -> (Vec<i64>, Option<i64>) {
    let mut ids = Vec::new();
    let next = index
        .search_each(text, opts, |cols, _| {
            ids.push(cols[0].as_i64().expect("an integer id"));
            Ok(())
        })
        .unwrap();
    (ids, next)
}

fn all_pages(index: &mut SearchIndex, text: &str, mut opts: SearchOptions) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let (page, next) = search(index, text, &opts);
        assert!(page.len() <= opts.limit);
        ids.extend(page);
        match next {
            Some(n) => opts.before = Some(n),
            None => return ids,
        }
    }
}

/// Whole-word occurrence for Latin words (so `full` does not match `fullness`), substring for CJK.
fn contains_word(text: &str, word: &str) -> bool {
    let word = word.to_lowercase();
    if word.chars().any(|c| c as u32 >= 0x3000) {
        return text.contains(&word);
    }
    text.split(|c: char| !c.is_alphanumeric()).any(|t| t == word)
}

#[test]
fn every_page_matches_a_scan_of_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (store, truth) = seeded(dir.path(), 3_000);
    let mut index = SearchIndex::new(store.path());
    let queries = ["disk", "ENOSPC", "error", "timeout", "alpha", "数据库", "错误", "磁盘已满", "超时", "写入失败"];
    for q in queries {
        let expected: Vec<i64> = truth.iter().rev().filter(|(_, t)| contains_word(t, q)).map(|(id, _)| *id).collect();
        assert!(!expected.is_empty(), "{q}");
        let opts = SearchOptions { limit: 37, ..SearchOptions::new() };
        assert_eq!(all_pages(&mut index, q, opts), expected, "query {q}");
    }
    // Two words: both must occur.
    let expected: Vec<i64> = truth
        .iter()
        .rev()
        .filter(|(_, t)| contains_word(t, "disk") && contains_word(t, "retry"))
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(all_pages(&mut index, "DISK retry", SearchOptions::new()), expected);
}

#[test]
fn identifiers_diacritics_and_literal_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = seeded(dir.path(), 50);
    let id =
        store.append(&entry("x", "y", Some("run-mwrh0ivj-live"), Some("wrote /var/log/x.log: ENOSPC"), JAN1)).unwrap();
    let quoted = store.append(&entry("x", "y", None, Some(r#"say "NEAR(a b)" OR not*"#), JAN1)).unwrap();
    let mut index = SearchIndex::new(store.path());
    let o = SearchOptions::new();
    assert_eq!(search(&mut index, "run-mwrh0ivj-live", &o).0, [id]);
    assert_eq!(search(&mut index, "/var/log/x.log", &o).0, [id]);
    assert_eq!(search(&mut index, "enospc", &o).0.first(), Some(&id));
    assert!(!search(&mut index, "cafe", &o).0.is_empty(), "diacritics are folded");
    assert_eq!(search(&mut index, "\"NEAR(a b)\" OR not*", &o).0, [quoted]);
    assert_eq!(search(&mut index, " -- !! ", &o), (vec![], None));
    assert_eq!(search(&mut index, "\0\u{fffd}", &o), (vec![], None));
}

#[test]
fn fts_syntax_and_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (store, truth) = seeded(dir.path(), 500);
    let mut index = SearchIndex::new(store.path());
    let o = SearchOptions { syntax: Syntax::Fts, limit: 10_000, ..SearchOptions::new() };
    let expected: Vec<i64> = truth
        .iter()
        .rev()
        .filter(|(_, t)| contains_word(t, "disk") || contains_word(t, "数据库"))
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(search(&mut index, "disk OR 数据库", &o).0, expected);
    let err = index.search_each("disk AND (", &o, |_, _| Ok(())).unwrap_err();
    assert_eq!(err.code, "ERR_SEARCH_SYNTAX");
    assert!(err.message.contains("\"disk AND (\""), "{}", err.message);
}

#[test]
fn filters_windows_rank_and_archived_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, truth) = seeded(dir.path(), 2_000);
    let mut index = SearchIndex::new(store.path());
    let since = JAN1 + 500_000;
    let until = JAN1 + 900_000;
    let filter = LogQuery { since: Some(Some(since as f64)), until: Some(Some(until as f64)), ..Default::default() };
    let o = SearchOptions { filter, limit: 7, ..SearchOptions::new() };
    let expected: Vec<i64> = truth
        .iter()
        .rev()
        .filter(|(id, t)| {
            let ts = JAN1 + (*id - 1) * 1000;
            ts >= since && ts <= until && contains_word(t, "error")
        })
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(all_pages(&mut index, "error", o), expected);
    let none = SearchOptions { filter: LogQuery { source: Some(None), ..Default::default() }, ..SearchOptions::new() };
    assert_eq!(search(&mut index, "error", &none).0, Vec::<i64>::new());
    // Rank: every hit once over the pages.
    let rank = SearchOptions { order: Order::Rank, limit: 50, ..SearchOptions::new() };
    let mut ranked = all_pages(&mut index, "disk", rank);
    ranked.sort_unstable_by(|a, b| b.cmp(a));
    let all_disk: Vec<i64> = truth.iter().rev().filter(|(_, t)| contains_word(t, "disk")).map(|(id, _)| *id).collect();
    assert_eq!(ranked, all_disk);
    // Archive the first day's rows away: none comes back; new rows are found.
    let hot_before = all_pages(&mut index, "disk", SearchOptions::new());
    store
        .archive_logs(
            &ArchiveOptions {
                now: Some((JAN1 + 3 * DAY) as f64),
                retention_ms: Some(DAY as f64),
                ..Default::default()
            },
            &store.default_archive_dir(),
        )
        .unwrap();
    assert_eq!(store.query(&LogQuery::default()).unwrap().len(), 0);
    let added = store.append(&entry("a", "b", None, Some("disk again"), JAN1 + 4 * DAY)).unwrap();
    assert!(!hot_before.is_empty());
    assert_eq!(all_pages(&mut index, "disk", SearchOptions::new()), [added]);
}

#[test]
fn the_index_is_a_cache_that_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = seeded(dir.path(), 300);
    let mut index = SearchIndex::new(store.path());
    let first = all_pages(&mut index, "timeout", SearchOptions::new());
    index.close();
    let path = nerve_store::core::search_index_path(store.path());
    assert_eq!(path, dir.path().join("logs.search.db"));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    let mut again = SearchIndex::new(store.path());
    assert_eq!(again.build_step(100).unwrap(), (100, 200));
    assert_eq!(all_pages(&mut again, "timeout", SearchOptions::new()), first);
}

/// The ranked order as one statement over the index and `logs` would give it: bm25, ties newest
/// first, rows no longer in `logs` left out.
fn ranked_truth(store: &LogStore, text: &str, cond: &str) -> Vec<i64> {
    let raw = rusqlite::Connection::open(nerve_store::core::search_index_path(store.path())).unwrap();
    raw.execute("ATTACH DATABASE ?1 AS log", [store.path().to_string_lossy().as_ref()]).unwrap();
    let sql = format!(
        "SELECT search.rowid FROM search CROSS JOIN log.logs AS l ON l.id = search.rowid \
         WHERE search MATCH ?1 {cond} ORDER BY search.rank, search.rowid DESC"
    );
    let mut stmt = raw.prepare(&sql).unwrap();
    let ids = stmt.query_map([text], |r| r.get(0)).unwrap();
    ids.collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn rank_pages_follow_bm25_with_filters_windows_and_archived_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = seeded(dir.path(), 1_500);
    let mut rng = Rng(42);
    for i in 0..400 {
        let (source, p) = (if i % 3 == 0 { "agent" } else { "daemon" }, payload(&mut rng, i));
        store.append(&entry(source, "tick", None, p.as_deref(), JAN1 + 3 * DAY + i as i64 * 1000)).unwrap();
    }
    let mut index = SearchIndex::new(store.path());
    let agent = LogQuery { source: Some(Some("agent".into())), ..Default::default() };
    let since = JAN1 + 3 * DAY + 50_000;
    let until = JAN1 + 3 * DAY + 250_000;
    let window = LogQuery { since: Some(Some(since as f64)), until: Some(Some(until as f64)), ..Default::default() };
    let check = |index: &mut SearchIndex, store: &LogStore| {
        for q in ["disk", "error", "错误"] {
            for limit in [1, 7, 50] {
                let rank = |filter: &LogQuery| SearchOptions {
                    order: Order::Rank,
                    limit,
                    filter: filter.clone(),
                    ..SearchOptions::new()
                };
                assert_eq!(all_pages(index, q, rank(&LogQuery::default())), ranked_truth(store, q, ""), "{q} {limit}");
                assert_eq!(
                    all_pages(index, q, rank(&agent)),
                    ranked_truth(store, q, "AND l.source = 'agent'"),
                    "{q} {limit} agent"
                );
                let cond = format!("AND l.timestamp >= {since} AND l.timestamp <= {until}");
                assert_eq!(all_pages(index, q, rank(&window)), ranked_truth(store, q, &cond), "{q} {limit} window");
            }
        }
    };
    check(&mut index, &store);
    // Archive the first day: most of the index's best hits are gone from `logs`.
    store
        .archive_logs(
            &ArchiveOptions {
                now: Some((JAN1 + 3 * DAY) as f64),
                retention_ms: Some(DAY as f64),
                ..Default::default()
            },
            &store.default_archive_dir(),
        )
        .unwrap();
    assert_eq!(store.query(&LogQuery::default()).unwrap().len(), 400);
    check(&mut index, &store);
}
