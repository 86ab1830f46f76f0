//! Search over the archive too (`SearchOptions::archive`): every page equal to the same search
//! while all rows were still in the database (the index's answer) and to a scan of the rows; a row
//! in a day file and in the database returned once; filters and windows over archived days;
//! damaged, torn and unordered lines; `order: 'rank'` refused.

mod common;

use common::*;
use nerve_store::core::{ArchiveOptions, LogQuery, LogStore, Order, SearchIndex, SearchOptions, Syntax};
use std::fs;
use std::path::{Path, PathBuf};

const WORDS: &[&str] = &["disk", "full", "error", "timeout", "Café", "ENOSPC", "Überweisung", "retry"];
const CJK: &[&str] = &["数据库连接错误", "磁盘已满", "请求超时后重试"];
const DAYS: i64 = 8;

/// Payloads as other writers spell them too: `\u` escapes, quotes inside a JSON string, a
/// decomposed accent.
fn payload(rng: &mut Rng, i: usize) -> Option<String> {
    let w = |rng: &mut Rng| format!("{} {}", rng.pick(WORDS), rng.pick(WORDS));
    match i % 6 {
        0 => Some(format!(r#"{{"msg":"{}","deep":{{"list":["{}",1,true]}}}}"#, w(rng), rng.pick(CJK))),
        1 => Some(format!("plain {} at /var/log/x{}.log", w(rng), i % 7)),
        2 => Some(format!(r#"{{"m":"caf\u00e9 {}","k":"\u9519\u8bef \u0044isk"}}"#, w(rng))),
        3 => None,
        4 => Some(format!(r#""said \"{}\" {}""#, w(rng), rng.pick(CJK))),
        _ => Some(format!("ca\u{301}fe {} run-{}-live", w(rng), i % 5)),
    }
}

fn seeded(dir: &Path, rows: usize) -> LogStore {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut store = LogStore::open(dir.join("logs.db")).unwrap();
    let entries: Vec<_> = (0..rows)
        .map(|i| {
            let p = payload(&mut rng, i);
            let source = ["daemon", "workflow"][i % 2];
            entry(source, ["event", "error"][i % 3 % 2], None, p.as_deref(), JAN1 + i as i64 * DAYS * DAY / rows as i64)
        })
        .collect();
    store.append_many(&entries).unwrap();
    store
}

/// Archives every day that ends `keep` days before the last.
fn archive(store: &mut LogStore, keep: i64) {
    let opts = ArchiveOptions {
        now: Some((JAN1 + (DAYS - keep) * DAY) as f64),
        retention_ms: Some(0.0),
        ..Default::default()
    };
    store.archive_logs(&opts, &store.default_archive_dir()).unwrap();
}

fn page(
    index: &mut SearchIndex,
    text: &str,
    opts: &SearchOptions,
) -> nerve_store::core::Result<(Vec<i64>, Option<i64>)> {
    let mut ids = Vec::new();
    let next = index.search_each(text, opts, |cols, _| {
        ids.push(cols[0].as_i64().expect("an integer id"));
        Ok(())
    })?;
    Ok((ids, next))
}

fn all_pages(index: &mut SearchIndex, text: &str, mut opts: SearchOptions) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let (got, next) = page(index, text, &opts).unwrap();
        assert!(got.len() <= opts.limit);
        ids.extend(got);
        match next {
            Some(n) => opts.before = Some(n),
            None => return ids,
        }
    }
}

const QUERIES: &[(&str, Syntax)] = &[
    ("disk", Syntax::Plain),
    ("cafe", Syntax::Plain),
    ("错误", Syntax::Plain),
    ("数据库连接", Syntax::Plain),
    ("ENOSPC full", Syntax::Plain),
    ("überweisung", Syntax::Plain),
    ("run-3-live", Syntax::Plain),
    ("/var/log/x3.log", Syntax::Plain),
    ("\"said\" disk", Syntax::Plain),
    ("disk OR 错误", Syntax::Fts),
    ("caf* NOT retry", Syntax::Fts),
    ("NEAR(disk full, 2)", Syntax::Fts),
    ("\"磁盘\" AND timeout", Syntax::Fts),
];

fn filters() -> Vec<LogQuery> {
    vec![
        LogQuery::default(),
        LogQuery { source: Some(Some("daemon".into())), kind: Some(Some("error".into())), ..Default::default() },
        LogQuery {
            since: Some(Some((JAN1 + 2 * DAY + 3_600_000) as f64)),
            until: Some(Some((JAN1 + 6 * DAY + 7_200_000) as f64)),
            ..Default::default()
        },
        LogQuery { ref_id: Some(None), ..Default::default() },
    ]
}

/// Every query, filter and page size as the index answers it with all rows in the database.
fn answers(index: &mut SearchIndex, archive: Option<PathBuf>) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    for (text, syntax) in QUERIES {
        for (i, filter) in filters().into_iter().enumerate() {
            // One row a page on the window that spans archived and hot days: every cursor.
            let limits: &[usize] = if i == 2 { &[1, 50] } else { &[7, 50] };
            for &limit in limits {
                let opts = SearchOptions {
                    filter: filter.clone(),
                    limit,
                    syntax: *syntax,
                    archive: archive.clone(),
                    ..SearchOptions::new()
                };
                out.push(all_pages(index, text, opts));
            }
        }
    }
    out
}

#[test]
fn archived_rows_are_found_as_the_index_found_them_before_they_left() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = seeded(dir.path(), 3_000);
    let mut index = SearchIndex::new(store.path());
    let before = answers(&mut index, None);
    assert!(before.iter().filter(|ids| ids.len() > 20).count() > 40, "the queries find rows");
    archive(&mut store, 2);
    let hot = store.query(&LogQuery::default()).unwrap().len();
    assert!(hot > 0 && hot < 1_000, "{hot} rows left in the database");
    let arch = store.default_archive_dir();
    assert_eq!(answers(&mut index, Some(arch.clone())), before);
    // Without includeArchive, only the rows still in the database.
    let hot_only = all_pages(&mut index, "disk", SearchOptions::new());
    assert!(hot_only.len() < before[0].len() && hot_only.iter().all(|id| before[0].contains(id)));
}

/// Whole-word occurrence in the lower-cased text of the row's payload string values.
fn scan(rows: &[(i64, String)], word: &str) -> Vec<i64> {
    rows.iter()
        .rev()
        .filter(|(_, t)| t.split(|c: char| !c.is_alphanumeric()).any(|w| w == word))
        .map(|(id, _)| *id)
        .collect()
}

#[test]
fn pages_over_the_archive_match_a_scan_of_the_day_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = seeded(dir.path(), 1_200);
    archive(&mut store, 0);
    assert!(store.query(&LogQuery::default()).unwrap().is_empty());
    let arch = store.default_archive_dir();
    let mut rows = Vec::new();
    for day in nerve_store::core::list_archive_days(&arch).unwrap() {
        for line in fs::read_to_string(arch.join(format!("{}.jsonl", day.day))).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let payload = v["payload"].as_str().unwrap_or("");
            let text = match serde_json::from_str::<serde_json::Value>(payload) {
                Ok(p @ (serde_json::Value::Object(_) | serde_json::Value::String(_))) => p.to_string(),
                _ => payload.to_owned(),
            };
            let text = format!("{} {} {}", v["source"], v["type"], text).to_lowercase();
            rows.push((v["id"].as_i64().unwrap(), text));
        }
    }
    let mut index = SearchIndex::new(store.path());
    for word in ["disk", "timeout", "enospc", "retry"] {
        let opts = SearchOptions { limit: 23, archive: Some(arch.clone()), ..SearchOptions::new() };
        let expected = scan(&rows, word);
        assert!(expected.len() > 50, "{word}");
        assert_eq!(all_pages(&mut index, word, opts), expected, "{word}");
    }
}

#[test]
fn a_row_in_a_day_file_and_in_the_database_is_found_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(dir.path(), 600);
    let mut index = SearchIndex::new(store.path());
    let before = answers(&mut index, None);
    index.close();
    drop(store); // checkpoints the WAL into logs.db
    let copy = tempfile::tempdir().unwrap();
    fs::copy(dir.path().join("logs.db"), copy.path().join("logs.db")).unwrap();
    let mut store = LogStore::open(dir.path().join("logs.db")).unwrap();
    archive(&mut store, 3);
    // The crash: the day files were renamed into place, the rows not yet deleted.
    let arch = copy.path().join("archive/logs");
    fs::create_dir_all(&arch).unwrap();
    for day in nerve_store::core::list_archive_days(&store.default_archive_dir()).unwrap() {
        let name = format!("{}.jsonl", day.day);
        fs::copy(store.default_archive_dir().join(&name), arch.join(&name)).unwrap();
    }
    let mut crashed = LogStore::open(copy.path().join("logs.db")).unwrap();
    assert_eq!(crashed.query(&LogQuery::default()).unwrap().len(), 600);
    let mut index = SearchIndex::new(crashed.path());
    assert_eq!(answers(&mut index, Some(arch)), before);
}

fn archive_opts(arch: &Path) -> SearchOptions {
    SearchOptions { archive: Some(arch.to_path_buf()), limit: 10_000, ..SearchOptions::new() }
}

#[test]
fn damaged_torn_and_unordered_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = seeded(dir.path(), 120);
    archive(&mut store, 0);
    let arch = store.default_archive_dir();
    let file = arch.join("2026-01-02.jsonl");
    let good = fs::read_to_string(&file).unwrap();
    let mut index = SearchIndex::new(store.path());
    let all = page(&mut index, "disk", &archive_opts(&arch)).unwrap().0;
    // A torn last line is skipped.
    fs::write(&file, format!("{good}{{\"id\":999999,\"source\":\"x\",\"type\":\"disk")).unwrap();
    assert_eq!(page(&mut index, "disk", &archive_opts(&arch)).unwrap().0, all);
    // A damaged line the prefilter picks is an error naming the file and its line.
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[4] = "{\"id\":oops disk".into();
    fs::write(&file, lines.join("\n") + "\n").unwrap();
    let err = page(&mut index, "disk", &archive_opts(&arch)).unwrap_err();
    assert_eq!(err.code, "ERR_ARCHIVE_CORRUPT");
    assert!(err.message.contains("2026-01-02.jsonl") && err.message.contains("line 5"), "{}", err.message);
    // Ids must ascend within a file.
    let mut lines: Vec<&str> = good.lines().collect();
    lines.swap(2, 9);
    fs::write(&file, lines.join("\n") + "\n").unwrap();
    let every = SearchOptions { syntax: Syntax::Fts, ..archive_opts(&arch) };
    let err = page(&mut index, "daemon OR workflow", &every).unwrap_err();
    assert_eq!(err.code, "ERR_ARCHIVE_CORRUPT");
    assert!(err.message.contains("ids are not in ascending order"), "{}", err.message);
}

#[test]
fn rank_is_refused_and_fts_errors_are_named_also_without_hot_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = seeded(dir.path(), 60);
    archive(&mut store, 0);
    let arch = store.default_archive_dir();
    let mut index = SearchIndex::new(store.path());
    let rank = SearchOptions { order: Order::Rank, ..archive_opts(&arch) };
    let err = page(&mut index, "disk", &rank).unwrap_err();
    assert_eq!(err.code, "ERR_INCOMPATIBLE_OPTION_PAIR");
    assert!(err.message.contains("options.includeArchive"), "{}", err.message);
    let fts = SearchOptions { syntax: Syntax::Fts, ..archive_opts(&arch) };
    assert_eq!(page(&mut index, "disk AND (", &fts).unwrap_err().code, "ERR_SEARCH_SYNTAX");
    // A filter matching nothing, a query without words: nothing, no error.
    let none = SearchOptions { filter: LogQuery { source: Some(None), ..Default::default() }, ..archive_opts(&arch) };
    assert_eq!(page(&mut index, "disk", &none).unwrap(), (vec![], None));
    assert_eq!(page(&mut index, " -- ", &archive_opts(&arch)).unwrap(), (vec![], None));
    // A missing archive directory is an empty archive.
    let missing = archive_opts(&dir.path().join("nowhere"));
    assert_eq!(page(&mut index, "disk", &missing).unwrap(), (vec![], None));
}
