mod common;

use common::*;
use nerve_store::core::ArchiveOptions;
use nerve_store::core::{LogQuery, LogStore};
use std::fs;

fn opts(now: i64) -> ArchiveOptions {
    ArchiveOptions { now: Some(now as f64), retention_ms: Some(DAY as f64), ..Default::default() }
}

#[test]
fn archives_each_day_to_its_own_file_including_empty_days() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    s.append(&entry("a", "x", None, Some("p\n\"q\""), JAN1 + 5)).unwrap();
    s.append(&entry("b", "y", Some("r"), None, JAN1 + 2 * DAY)).unwrap();
    s.append(&entry("c", "z", None, None, JAN1 + 4 * DAY)).unwrap(); // stays: within retention
    let out = s.archive_logs(&opts(JAN1 + 4 * DAY + 10), &s.default_archive_dir()).unwrap();
    let days: Vec<_> = out.days.iter().map(|d| (d.day.as_str(), d.row_count)).collect();
    assert_eq!(days, [("2026-01-01", 1), ("2026-01-02", 0), ("2026-01-03", 1)]);
    let file = |d: &str| fs::read_to_string(dir.path().join(format!("archive/logs/{d}.jsonl"))).unwrap();
    assert_eq!(
        file("2026-01-01"),
        "{\"id\":1,\"source\":\"a\",\"type\":\"x\",\"refId\":null,\"payload\":\"p\\n\\\"q\\\"\",\"timestamp\":1767225600005}\n"
    );
    assert_eq!(file("2026-01-02"), "");
    assert_eq!(s.get_meta("archived_up_to").unwrap().as_deref(), Some("2026-01-03"));
    assert_eq!(s.query(&LogQuery::default()).unwrap().len(), 1);
    assert!(!out.vacuumed);
}

#[test]
fn late_rows_for_an_archived_day_keep_the_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    s.append(&entry("a", "x", None, None, JAN1 + 1)).unwrap();
    s.append(&entry("a", "x", None, None, JAN1 + DAY + 1)).unwrap();
    s.archive_logs(&opts(JAN1 + 3 * DAY), &archive).unwrap();
    let before_day1 = fs::read_to_string(archive.join("2026-01-01.jsonl")).unwrap();
    let before_day2 = fs::read_to_string(archive.join("2026-01-02.jsonl")).unwrap();

    // A late row for day 1 re-opens days 1 and 2.
    s.append(&entry("late", "x", None, None, JAN1 + 2)).unwrap();
    let out = s.archive_logs(&opts(JAN1 + 3 * DAY), &archive).unwrap();
    assert_eq!(out.days.iter().map(|d| d.row_count).collect::<Vec<_>>(), [1, 0]);
    let day1 = fs::read_to_string(archive.join("2026-01-01.jsonl")).unwrap();
    assert!(day1.starts_with(&before_day1), "earlier rows kept, in id order");
    assert_eq!(day1.lines().count(), 2);
    assert!(day1.lines().nth(1).unwrap().contains("\"source\":\"late\""));
    assert_eq!(
        fs::read_to_string(archive.join("2026-01-02.jsonl")).unwrap(),
        before_day2,
        "no new rows: file untouched"
    );
}

#[test]
fn rerun_after_a_crash_between_write_and_delete_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    s.append(&entry("a", "x", None, None, JAN1 + 1)).unwrap();
    s.append(&entry("b", "x", None, None, JAN1 + 2)).unwrap();
    s.archive_logs(&opts(JAN1 + 2 * DAY), &archive).unwrap();
    let file = archive.join("2026-01-01.jsonl");
    let done = fs::read_to_string(&file).unwrap();
    // Simulate the crash: the file was written, the rows were never deleted.
    fs::write(&file, done.lines().next().unwrap().to_owned() + "\n{\"id\":2,\"sou").unwrap();
    let raw = rusqlite::Connection::open(dir.path().join("logs.db")).unwrap();
    raw.execute("DELETE FROM meta", []).unwrap();
    raw.execute(
        "INSERT INTO logs VALUES (1, 'a', 'x', NULL, NULL, ?1), (2, 'b', 'x', NULL, NULL, ?2)",
        [JAN1 + 1, JAN1 + 2],
    )
    .unwrap();
    s.archive_logs(&opts(JAN1 + 2 * DAY), &archive).unwrap();
    assert_eq!(fs::read_to_string(&file).unwrap(), done, "no duplicate ids, torn line replaced");
}

#[test]
fn corrupt_archive_lines_stop_the_day_without_deleting() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    fs::create_dir_all(&archive).unwrap();
    fs::write(archive.join("2026-01-01.jsonl"), "garbage\n").unwrap();
    s.append(&entry("a", "x", None, None, JAN1 + 1)).unwrap();
    let err = s.archive_logs(&opts(JAN1 + 2 * DAY), &archive).unwrap_err();
    assert_eq!(err.code, "ERR_ARCHIVE_CORRUPT");
    assert_eq!(s.query(&LogQuery::default()).unwrap().len(), 1);
    assert_eq!(s.get_meta("archived_up_to").unwrap(), None);
}

#[test]
fn a_failing_day_keeps_the_days_before_it_archived() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    fs::create_dir_all(&archive).unwrap();
    fs::write(archive.join("2026-01-02.jsonl"), "garbage\n").unwrap();
    for d in 0..3 {
        s.append(&entry("a", "x", None, None, JAN1 + d * DAY + 1)).unwrap();
    }
    let err = s.archive_logs(&opts(JAN1 + 5 * DAY), &archive).unwrap_err();
    assert_eq!(err.code, "ERR_ARCHIVE_CORRUPT");
    // As with one transaction per day: the first day is archived and committed, the rest untouched.
    let left: Vec<_> = s.query(&LogQuery::default()).unwrap().into_iter().map(|r| r.timestamp).collect();
    assert_eq!(left.len(), 2);
    assert_eq!(s.get_meta("archived_up_to").unwrap().as_deref(), Some("2026-01-01"));
    assert!(fs::read_to_string(archive.join("2026-01-01.jsonl")).unwrap().contains("\"id\":1,"));
    assert!(!archive.join("2026-01-03.jsonl").exists());
    s.close().unwrap();
    let mut again = LogStore::open(dir.path().join("logs.db")).unwrap();
    assert_eq!(again.query(&LogQuery::default()).unwrap().len(), 2, "the first day's delete was committed");
}

#[test]
fn max_days_and_vacuum() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    for d in 0..5 {
        s.append(&entry("a", "x", None, None, JAN1 + d * DAY)).unwrap();
    }
    let mut o = opts(JAN1 + 10 * DAY);
    o.max_days = Some(2.0);
    o.vacuum = true;
    let out = s.archive_logs(&o, &archive).unwrap();
    assert_eq!(out.days.len(), 2);
    assert!(out.vacuumed);
    o.max_days = None;
    assert_eq!(s.archive_logs(&o, &archive).unwrap().days.len(), 7, "days 3..=9, the last four empty");
    assert!(s.archive_logs(&o, &archive).unwrap().days.is_empty());
}

#[test]
fn invalid_watermark_and_clock_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    let mut o = opts(JAN1);
    o.now = Some(f64::NAN);
    assert_eq!(s.archive_logs(&o, &archive).unwrap_err().message, "Invalid time value");
    s.set_meta("archived_up_to", "2026-02-30").unwrap();
    assert_eq!(s.archive_logs(&opts(JAN1), &archive).unwrap_err().message, "Invalid UTC calendar day: 2026-02-30");
}

#[test]
fn archiving_most_of_the_table_keeps_the_other_rows_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let mut s = LogStore::open(&path).unwrap();
    let old: Vec<_> = (0..12_000).map(|i| entry("a", "x", Some("r"), Some("{\"i\":1}"), JAN1 + i * 60_000)).collect();
    s.append_many(&old).unwrap();
    let young = JAN1 + 40 * DAY;
    s.append(&entry("b", "y", None, None, young)).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    // Values only another writer leaves, which must come back untouched (type included).
    raw.execute_batch(&format!(
        "INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES ('c', 'z', 'r', x'00ff', 'not a number');
         INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES ('c', 'z', NULL, '{{}}', {}.5);",
        young
    ))
    .unwrap();
    let keep_sql = "SELECT id, source, type, ref_id, payload, timestamp, typeof(timestamp), typeof(payload) FROM logs WHERE id > 12000 ORDER BY id";
    let rows = |c: &rusqlite::Connection| -> Vec<Vec<rusqlite::types::Value>> {
        let mut st = c.prepare(keep_sql).unwrap();
        st.query_map([], |r| (0..8).map(|i| r.get::<_, rusqlite::types::Value>(i)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let before = rows(&raw);
    let seq: i64 = raw.query_row("SELECT seq FROM sqlite_sequence WHERE name = 'logs'", [], |r| r.get(0)).unwrap();
    let archive = dir.path().join("archive");
    let result = s.archive_logs(&opts(JAN1 + 20 * DAY), &archive).unwrap();
    assert_eq!(result.days.iter().map(|d| d.row_count).sum::<usize>(), 12_000);
    assert_eq!(rows(&raw), before, "the kept rows are the same rows, ids and types included");
    assert_eq!(raw.query_row("SELECT count(*) FROM logs", [], |r| r.get::<_, i64>(0)).unwrap(), 3);
    assert_eq!(
        raw.query_row("SELECT seq FROM sqlite_sequence WHERE name = 'logs'", [], |r| r.get::<_, i64>(0)).unwrap(),
        seq
    );
    assert_eq!(raw.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    let lines: usize =
        fs::read_dir(&archive).unwrap().map(|e| fs::read_to_string(e.unwrap().path()).unwrap().lines().count()).sum();
    assert_eq!(lines, 12_000);
    assert!(s.append(&entry("d", "w", None, None, young)).unwrap() > seq, "ids keep growing");
}

#[test]
fn a_day_whose_file_cannot_be_written_is_undone_with_the_days_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    // A directory where the second day's file belongs: the rename onto it fails.
    fs::create_dir_all(archive.join("2026-01-02.jsonl").join("x")).unwrap();
    for d in 0..4 {
        s.append(&entry("a", "x", None, None, JAN1 + d * DAY + 1)).unwrap();
    }
    let err = s.archive_logs(&opts(JAN1 + 6 * DAY), &archive).unwrap_err();
    assert!(err.fs.is_some(), "a file-system error: {err:?}");
    let left: Vec<f64> = s
        .query(&LogQuery::default())
        .unwrap()
        .into_iter()
        .map(|r| match r.timestamp {
            rusqlite::types::Value::Integer(t) => t as f64,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(left, vec![(JAN1 + DAY + 1) as f64, (JAN1 + 2 * DAY + 1) as f64, (JAN1 + 3 * DAY + 1) as f64]);
    assert_eq!(s.get_meta("archived_up_to").unwrap().as_deref(), Some("2026-01-01"));
    assert!(archive.join("2026-01-01.jsonl").is_file());
    assert!(!archive.join("2026-01-03.jsonl").exists() && !archive.join("2026-01-04.jsonl").exists());
    let stray: Vec<_> = fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".tmp."))
        .collect();
    assert!(stray.is_empty(), "no temporary files left: {stray:?}");
}

#[test]
fn the_plan_names_the_days_and_row_counts_the_archive_then_moves() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    for (i, day) in [0, 0, 0, 2, 5, 5, 9].into_iter().enumerate() {
        s.append(&entry("a", "x", None, None, JAN1 + day * DAY + i as i64)).unwrap();
    }
    s.archive_logs(&ArchiveOptions { max_days: Some(1.0), ..opts(JAN1 + 3 * DAY) }, &archive).unwrap();
    for (now, max_days) in [(JAN1 + 7 * DAY, None), (JAN1 + 20 * DAY, Some(3.0)), (JAN1 + 20 * DAY, None), (JAN1, None)]
    {
        let o = ArchiveOptions { max_days, ..opts(now) };
        let files = || fs::read_dir(&archive).unwrap().map(|e| e.unwrap().file_name()).collect::<Vec<_>>();
        let (files_before, watermark) = (files(), s.get_meta("archived_up_to").unwrap());
        let plan = s.archive_plan(&o).unwrap();
        assert_eq!(
            (files(), s.get_meta("archived_up_to").unwrap()),
            (files_before, watermark),
            "planning changes nothing"
        );
        let rows_before = s.query(&LogQuery::default()).unwrap().len();
        let planned: Vec<(String, u64)> = plan.into_iter().map(|d| (d.day, d.row_count)).collect();
        let done = s.archive_logs(&o, &archive).unwrap();
        let moved: Vec<(String, u64)> = done.days.iter().map(|d| (d.day.clone(), d.row_count as u64)).collect();
        assert_eq!(planned, moved, "now {now}, max_days {max_days:?}");
        let total: u64 = moved.iter().map(|d| d.1).sum();
        assert_eq!(s.query(&LogQuery::default()).unwrap().len() as u64, rows_before as u64 - total);
    }
}
