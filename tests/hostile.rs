// Property tests of the core against hostile input: arbitrary strings (NUL, huge, any Unicode),
// arbitrary f64 where timestamps, limits and ranges go, arbitrary blob hash strings, and arbitrary
// bytes as a logs.db file. Nothing may panic, every error carries a code, a refused value stores
// nothing, and no hash resolves to a path outside the blob root.
mod common;

use common::{entry, DAY, JAN1};
use nerve_store::core::utc_day;
use nerve_store::core::ArchiveOptions;
use nerve_store::core::Error;
use nerve_store::core::{check_limit, LogQuery, LogStore, NewEntry};
use nerve_store::core::{digest_hex, normalize_blob_hash, BlobStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use rusqlite::types::Value;
use std::fs;
use std::path::Path;

const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn config(cases: u32) -> Config {
    // No regression files written into the source tree; a failure prints its seed and input.
    Config { cases, failure_persistence: Some(Box::new(FileFailurePersistence::Off)), ..Config::default() }
}

/// Every error must say what it is: a node-style `ERR_*` code or an errno name (`ENOENT`).
fn assert_coded(e: &Error) {
    assert!(e.code.starts_with("ERR_") || (e.code.starts_with('E') && e.code.len() > 2), "uncoded error: {e:?}");
    assert!(!e.message.is_empty(), "error without a message: {e:?}");
}

fn coded<T>(r: Result<T, Error>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert_coded(&e);
            None
        }
    }
}

/// Strings as hostile as Rust strings get: NUL, control characters, any scalar value, and now and
/// then several megabytes.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => any::<String>(),
        3 => proptest::collection::vec(prop_oneof![Just('\0'), Just('\u{1f}'), Just('"'), Just('\\'), Just('\u{2028}'), Just('\u{10ffff}'), Just('\u{fffd}'), Just('é'), any::<char>()], 0..24)
            .prop_map(|cs| cs.into_iter().collect()),
        1 => (0usize..3, any::<char>()).prop_map(|(n, c)| format!("{}{c}\0", "x".repeat((2 + n) << 20))),
    ]
}

/// Any f64, with the edges (non-finite, ±0, the `Date` range limits, 2^53) weighted up.
fn hostile_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<f64>(),
        2 => prop::sample::select(vec![
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 0.5, -1.5, 1e-7, 5e-324,
            8.64e15, -8.64e15, 8.64e15 + 2.0, MAX_SAFE, MAX_SAFE + 1.0, -MAX_SAFE, 1e21, -1.0,
            f64::MAX, f64::MIN,
        ]),
        2 => (-5i64..40).prop_map(|n| n as f64),
        2 => (0i64..40 * DAY).prop_map(|d| (JAN1 + d) as f64),
    ]
}

fn text(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

proptest! {
    #![proptest_config(config(96))]

    /// A row is stored exactly as given, or refused by name with nothing stored.
    #[test]
    fn append_stores_exactly_or_refuses(
        source in hostile_string(), kind in hostile_string(),
        ref_id in proptest::option::of(hostile_string()), payload in proptest::option::of(hostile_string()),
        timestamp in hostile_f64(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
        let e = NewEntry { source, kind, ref_id, payload, timestamp };
        let in_range = timestamp.is_finite() && timestamp.abs() <= 8.64e15;
        match s.append(&e) {
            Ok(id) => {
                prop_assert!(in_range, "stored a row at {timestamp}");
                let rows = s.query(&LogQuery::default()).unwrap();
                prop_assert_eq!(rows.len(), 1);
                prop_assert_eq!(rows[0].id.clone(), Value::Integer(id));
                // Read back as node:sqlite reads TEXT: up to the first NUL.
                let c = |s: &str| s.split('\0').next().unwrap().to_owned();
                prop_assert_eq!(text(&rows[0].source).map(c), Some(c(&e.source)));
                prop_assert_eq!(text(&rows[0].kind).map(c), Some(c(&e.kind)));
                prop_assert_eq!(text(&rows[0].ref_id).map(c), e.ref_id.as_deref().map(c));
                prop_assert_eq!(text(&rows[0].payload).map(c), e.payload.as_deref().map(c));
                // Stored whole, NUL and all.
                let conn = rusqlite::Connection::open(dir.path().join("logs.db")).unwrap();
                let stored: (String, String) = conn.query_row("SELECT source, type FROM logs", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
                prop_assert_eq!(stored, (e.source.clone(), e.kind.clone()));
            }
            Err(err) => {
                assert_coded(&err);
                prop_assert!(!in_range, "refused an in-range row: {err:?}");
                prop_assert_eq!(err.code, "ERR_OUT_OF_RANGE");
                prop_assert!(err.message.contains("\"entry.timestamp\""), "{}", err.message);
                prop_assert!(s.query(&LogQuery::default()).unwrap().is_empty(), "a refused row was stored");
            }
        }
        // A batch holding it is all or nothing.
        let before = s.query(&LogQuery::default()).unwrap().len();
        let batch = vec![entry("a", "b", None, None, JAN1), e.clone()];
        let after = match s.append_many(&batch) {
            Ok(ids) => { prop_assert!(in_range); prop_assert_eq!(ids.len(), 2); before + 2 }
            Err(err) => { assert_coded(&err); prop_assert!(!in_range); before }
        };
        prop_assert_eq!(s.query(&LogQuery::default()).unwrap().len(), after);
    }

    /// Any numbers for `since`, `until` and `limit`: the limit is a bound row count (never SQL
    /// text), anything but a safe integer is refused by name, and the rows are the ones asked for.
    #[test]
    fn query_numbers_are_bound_or_refused(since in proptest::option::of(hostile_f64()), until in proptest::option::of(hostile_f64()), limit in proptest::option::of(hostile_f64()), eq in proptest::option::of(hostile_string())) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
        let rows: Vec<NewEntry> = (0..12).map(|i| entry(if i % 3 == 0 { "a" } else { "b" }, "t", None, None, JAN1 + i * DAY / 2)).collect();
        s.append_many(&rows).unwrap();
        let q = LogQuery {
            source: eq.clone().map(Some),
            since: since.map(Some),
            until: until.map(Some),
            limit,
            ..Default::default()
        };
        let safe = limit.is_none_or(|l| l.is_finite() && l.fract() == 0.0 && l.abs() <= MAX_SAFE);
        match s.query(&q) {
            Ok(got) => {
                prop_assert!(safe, "accepted limit {limit:?}");
                // The same filter evaluated here (NaN compares false, as SQLite's NULL does).
                let expected: Vec<i64> = rows.iter().enumerate().filter(|(_, r)| {
                    eq.as_ref().is_none_or(|e| &r.source == e)
                        && since.is_none_or(|t| r.timestamp >= t)
                        && until.is_none_or(|t| r.timestamp <= t)
                }).map(|(i, _)| i as i64 + 1).collect();
                let cap = match limit { Some(l) if l >= 0.0 => l as usize, _ => usize::MAX };
                let ids: Vec<i64> = got.iter().map(|r| match r.id { Value::Integer(i) => i, _ => -1 }).collect();
                prop_assert_eq!(ids, expected.into_iter().take(cap).collect::<Vec<_>>());
            }
            Err(err) => {
                assert_coded(&err);
                prop_assert!(!safe, "refused limit {limit:?}: {err:?}");
                prop_assert_eq!(err.code, "ERR_OUT_OF_RANGE");
                prop_assert!(err.message.contains("\"filter.limit\""), "{}", err.message);
            }
        }
        if let Some(l) = limit {
            prop_assert_eq!(check_limit(l).is_ok(), safe);
        }
    }

    /// Any string as a blob hash: only 64 hex digits (trimmed, any case) name a blob, always as
    /// `<root>/<2 hex>/<62 hex>`, and nothing outside the root is ever read.
    #[test]
    fn blob_hashes_never_leave_the_root(hash in prop_oneof![
        4 => any::<String>(),
        2 => "[0-9a-fA-F]{60,68}",
        2 => "[ \t\n]{0,2}[0-9A-F]{64}[ \t\n\u{a0}\u{feff}]{0,2}",
        2 => prop::sample::select(vec![
            "../secret", "/etc/passwd", "..", ".", "", "\0", "aa/../../secret",
            "../2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982\0",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98244",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982",
            "/cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982g",
        ]).prop_map(String::from),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("blobs");
        let blobs = BlobStore::new(&root);
        let known = blobs.write(b"hello").unwrap();
        // Files a path-climbing hash could reach, all readable if a lookup ever escaped.
        fs::write(dir.path().join("secret"), b"outside").unwrap();
        let trimmed = hash.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let well_formed = trimmed.len() == 64 && trimmed.bytes().all(|b| b.is_ascii_hexdigit());
        let normalized = normalize_blob_hash(&hash);
        prop_assert_eq!(normalized.is_some(), well_formed, "{:?}", hash);
        if let Some(n) = &normalized {
            prop_assert_eq!(n.clone(), trimmed.to_ascii_lowercase());
            let p = blobs.path_for(n);
            prop_assert_eq!(p.parent().and_then(Path::parent), Some(root.as_path()));
            prop_assert_eq!(p.file_name().unwrap().len(), 62);
        }
        let read = blobs.read(&hash);
        match &read {
            Ok(Some(bytes)) => {
                prop_assert_eq!(normalized.as_deref(), Some(known.as_str()));
                prop_assert_eq!(bytes.as_slice(), b"hello");
            }
            Ok(None) => prop_assert!(normalized.as_deref() != Some(known.as_str())),
            Err(e) => { assert_coded(e); prop_assert!(false, "read failed: {e:?}"); }
        }
        prop_assert_eq!(blobs.exists(&hash), normalized.as_deref() == Some(known.as_str()));
        let out = dir.path().join("copy");
        let copied = blobs.read_to_file(&hash, &out);
        prop_assert_eq!(copied.as_ref().ok().copied(), Some(normalized.as_deref() == Some(known.as_str())));
        if !copied.unwrap() { prop_assert!(!out.exists()); }
        prop_assert_eq!(fs::read(dir.path().join("secret")).unwrap(), b"outside");
        prop_assert_eq!(digest_hex(b"hello"), known);
    }

    /// Any f64 and any string into the day helpers: a value or a coded error, never a panic.
    #[test]
    fn day_helpers_never_panic(ms in hostile_f64(), day in prop_oneof![any::<String>(), "[0-9]{4}-[0-9]{2}-[0-9]{2}", "[+-][0-9]{6}-[0-9]{2}-[0-9]{2}"], other in any::<String>()) {
        coded(utc_day::utc_date_string_from_ms(ms));
        coded(utc_day::last_archivable_utc_day(ms));
        coded(utc_day::assert_valid_utc_day(&day));
        let start = coded(utc_day::utc_day_start_ms(&day));
        let end = coded(utc_day::utc_day_end_exclusive_ms(&day));
        if let (Some(s), Some(e)) = (start, end) {
            prop_assert_eq!(e - s, DAY);
            prop_assert_eq!(coded(utc_day::utc_date_string_from_ms(s as f64)), Some(day.clone()));
        }
        coded(utc_day::prev_utc_day(&day));
        coded(utc_day::next_utc_day(&day));
        let _ = utc_day::compare_iso_days(&day, &other);
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// Any numbers for the archive options (kept to a bounded number of days): a result whose
    /// days each hold every row moved, or a coded error that moved nothing.
    #[test]
    fn archive_options_never_panic(now in prop_oneof![hostile_f64(), (0i64..12 * DAY).prop_map(|d| (JAN1 + d) as f64)], retention in proptest::option::of(hostile_f64()), max_days in hostile_f64()) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
        let rows: Vec<NewEntry> = (0..6).map(|i| entry("a", "t", None, Some("{\"n\":1}"), JAN1 + i * DAY / 2)).collect();
        s.append_many(&rows).unwrap();
        let archive = s.default_archive_dir();
        let opts = ArchiveOptions { now: Some(now), vacuum: false, max_days: Some(max_days.clamp(-1.0, 4.0)).filter(|m| !m.is_nan()).or(Some(4.0)), retention_ms: retention };
        let total = |s: &mut LogStore| s.query(&LogQuery::default()).unwrap().len();
        match s.archive_logs(&opts, &archive) {
            Ok(out) => {
                let moved: usize = out.days.iter().map(|d| d.row_count).sum();
                prop_assert_eq!(total(&mut s), 6 - moved);
                for d in &out.days {
                    let lines = fs::read_to_string(&d.file_path).unwrap().lines().count();
                    prop_assert_eq!(lines, d.row_count);
                }
            }
            Err(e) => { assert_coded(&e); prop_assert_eq!(total(&mut s), 6); }
        }
    }

    /// Arbitrary bytes as logs.db, some behind a valid SQLite header: opening and using the store
    /// gives values or coded errors, never a panic.
    #[test]
    fn garbage_database_files_fail_with_codes(bytes in proptest::collection::vec(any::<u8>(), 0..6000), header in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.db");
        let mut data = if header { b"SQLite format 3\0".to_vec() } else { Vec::new() };
        data.extend_from_slice(&bytes);
        fs::write(&path, &data).unwrap();
        exercise(&path);
    }

    /// A real database cut at any offset (inside the header, a page, the WAL).
    #[test]
    fn truncated_databases_fail_with_codes(cut in 0usize..40_000, wal_cut in proptest::option::of(0usize..40_000)) {
        let (_src, db, wal) = real_database();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.db");
        fs::write(&path, &db[..cut.min(db.len())]).unwrap();
        if let Some(w) = wal_cut {
            fs::write(dir.path().join("logs.db-wal"), &wal[..w.min(wal.len())]).unwrap();
        }
        exercise(&path);
    }
}

/// A database with rows both in its main file and in a WAL that was never checkpointed: bytes of
/// logs.db and of logs.db-wal.
fn real_database() -> (tempfile::TempDir, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let mut s = LogStore::open(&path).unwrap();
    let rows: Vec<NewEntry> = (0..200)
        .map(|i| entry("workflow", "t", Some("run-1"), Some("{\"payload\":\"xxxxxxxxxxxxxxxx\"}"), JAN1 + i * 1000))
        .collect();
    s.append_many(&rows).unwrap();
    s.close().unwrap();
    let db = fs::read(&path).unwrap();
    // A second connection keeps the WAL from being checkpointed away while the copy is taken.
    let hold = rusqlite::Connection::open(&path).unwrap();
    hold.query_row("SELECT count(*) FROM logs", [], |_| Ok(())).unwrap();
    let s = LogStore::open(&path).unwrap();
    s.append(&entry("workflow", "late", Some("run-2"), None, JAN1 + 5 * DAY)).unwrap();
    let wal = fs::read(dir.path().join("logs.db-wal")).unwrap();
    assert!(wal.len() > 32, "the WAL holds the late row");
    drop(s);
    drop(hold);
    (dir, db, wal)
}

/// Opens the store at `path` and calls every kind of member; each gives a value or a coded error.
fn exercise(path: &Path) {
    let Some(mut s) = coded(LogStore::open(path)) else { return };
    coded(s.query(&LogQuery::default()));
    coded(s.query(&LogQuery {
        source: Some(Some("workflow".into())),
        since: Some(Some(JAN1 as f64)),
        limit: Some(5.0),
        ..Default::default()
    }));
    coded(s.append(&entry("a", "b", None, None, JAN1)));
    coded(s.get_meta("archived_up_to"));
    coded(s.set_meta("k", "v"));
    coded(s.get_all_workflow_runs(None));
    coded(s.thread_round_count("run-1"));
    coded(s.thread_rounds("run-1", 0.0, 5.0));
    let archive = s.default_archive_dir();
    coded(s.archive_logs(
        &ArchiveOptions {
            now: Some((JAN1 + 3 * DAY) as f64),
            vacuum: true,
            max_days: Some(3.0),
            retention_ms: Some(0.0),
        },
        &archive,
    ));
    coded(s.close());
}

/// A directory where the WAL index (logs.db-shm) belongs: SQLite opens the file read-only with a
/// heap WAL index whose data version moves on every read. The thread reads, which retry while the
/// version moves, must still return (they looped forever before).
#[test]
fn thread_reads_return_when_the_data_version_never_settles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let mut s = LogStore::open(&path).unwrap();
    s.append(&entry(
        "workflow",
        "thread_workflow_message",
        Some("run-1"),
        Some("{\"role\":\"user\",\"content\":\"hi\"}"),
        JAN1,
    ))
    .unwrap();
    s.append(&entry("workflow", "thread_command_event", Some("run-1"), Some("{\"type\":\"tool_call\"}"), JAN1 + 1))
        .unwrap();
    s.close().unwrap();
    fs::create_dir(dir.path().join("logs.db-shm")).unwrap();
    let mut s = LogStore::open(&path).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let out = (
            s.thread_round_count("run-1").map_err(|e| e.code),
            s.thread_rounds("run-1", 0.0, 5.0).map(|r| r.len()).map_err(|e| e.code),
            s.thread_message_payloads("run-1").map(|p| p.len()).map_err(|e| e.code),
            s.thread_event_payloads("run-1").map(|p| p.len()).map_err(|e| e.code),
            s.thread_round_count("run-1").map_err(|e| e.code),
        );
        let _ = tx.send(out);
    });
    let out = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("thread reads returned");
    assert_eq!(out, (Ok(2), Ok(2), Ok(1), Ok(1), Ok(2)));
}
