//! The thread caches answer exactly what the reference's SQL answers, across appends, archives
//! and other connections' writes.
mod common;

use common::*;
use nerve_store::core::ArchiveOptions;
use nerve_store::core::LogStore;
use nerve_store::core::ThreadList;

fn open() -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(dir.path().join("logs.db")).unwrap();
    (dir, store)
}

fn payload(i: i64) -> String {
    match i % 7 {
        0 => r#"{"type":"thread_start"}"#.into(),
        1 => r#"{"role":"__start__","content":"go"}"#.into(),
        2 => "[1,2]".into(),
        3 => "not json".into(),
        4 => format!(r#"{{"type":"tool_call","n":{i}}}"#),
        _ => format!(r#"{{"role":"r{i}","content":"c{i}"}}"#),
    }
}

fn add(s: &LogStore, i: i64) {
    let kind = if i % 3 == 0 { "thread_command_event" } else { "thread_workflow_message" };
    s.append(&entry("workflow", kind, Some("run"), Some(&payload(i)), JAN1 + i)).unwrap();
    // Rows of other runs and kinds in between, which no list may pick up.
    s.append(&entry("workflow", kind, Some("other"), Some(&payload(i)), JAN1 + i)).unwrap();
    s.append(&entry("daemon", "tick", Some("run"), Some("{}"), JAN1 + i)).unwrap();
}

fn check_rounds(s: &mut LogStore) {
    let count = s.thread_round_count("run").unwrap();
    let mut fresh = LogStore::open(s.path()).unwrap();
    assert_eq!(count, fresh.thread_round_count("run").unwrap());
    fresh.close().unwrap();
    for before in [0.0, 1.0, 2.5, 3.0, count as f64, count as f64 + 1.0, -1.0] {
        for limit in [1.0, 2.0, 5.0, 1000.0] {
            let cached = s.thread_rounds("run", before, limit).unwrap();
            assert_eq!(
                cached,
                s.thread_rounds_uncached("run", before, limit).unwrap(),
                "before {before} limit {limit}"
            );
        }
    }
}

#[test]
fn round_index_follows_appends() {
    let (_d, mut s) = open();
    check_rounds(&mut s);
    for i in 0..40 {
        add(&s, i);
        if i % 9 == 0 {
            check_rounds(&mut s);
        }
    }
    check_rounds(&mut s);
    assert_eq!(s.thread_round_count("nobody").unwrap(), 0);
}

#[test]
fn another_connection_s_writes_reset_the_caches() {
    let (_d, mut s) = open();
    for i in 0..30 {
        add(&s, i);
    }
    check_rounds(&mut s);
    let before = s.thread_payloads_since(ThreadList::Messages, "run", None).unwrap();
    let raw = rusqlite::Connection::open(s.path()).unwrap();
    raw.execute("DELETE FROM logs WHERE ref_id = 'run' AND id % 2 = 0", []).unwrap();
    raw.execute(
        "UPDATE logs SET payload = '{\"role\":\"x\",\"content\":\"y\"}' WHERE ref_id = 'run' AND id % 5 = 0",
        [],
    )
    .unwrap();
    check_rounds(&mut s);
    let after =
        s.thread_payloads_since(ThreadList::Messages, "run", Some((before.generation, before.last_id))).unwrap();
    assert!(after.reset, "a foreign commit invalidates the delta");
    assert_eq!(after.payloads, s.thread_message_payloads("run").unwrap());
    assert_ne!(after.payloads, before.payloads);
}

#[test]
fn own_archive_resets_the_caches() {
    let (dir, mut s) = open();
    for i in 0..30 {
        add(&s, i);
    }
    let _ = s.append(&entry(
        "workflow",
        "thread_workflow_message",
        Some("run"),
        Some(r#"{"role":"a","content":"b"}"#),
        JAN1 + 40 * DAY,
    ));
    check_rounds(&mut s);
    let known = s.thread_payloads_since(ThreadList::Events, "run", None).unwrap();
    let opts = ArchiveOptions { now: Some((JAN1 + 35 * DAY) as f64), ..Default::default() };
    s.archive_logs(&opts, &dir.path().join("archive")).unwrap();
    check_rounds(&mut s);
    assert_eq!(s.thread_round_count("run").unwrap(), 1);
    let after = s.thread_payloads_since(ThreadList::Events, "run", Some((known.generation, known.last_id))).unwrap();
    assert!(after.reset);
    assert!(after.payloads.is_empty());
}

#[test]
fn payload_deltas_return_only_new_rows() {
    let (_d, mut s) = open();
    for i in 0..10 {
        add(&s, i);
    }
    let all = s.thread_payloads_since(ThreadList::Messages, "run", None).unwrap();
    assert!(all.reset);
    let none = s.thread_payloads_since(ThreadList::Messages, "run", Some((all.generation, all.last_id))).unwrap();
    assert!(!none.reset && none.payloads.is_empty());
    assert_eq!(none.last_id, all.last_id);
    for i in 10..20 {
        add(&s, i);
    }
    let more = s.thread_payloads_since(ThreadList::Messages, "run", Some((all.generation, all.last_id))).unwrap();
    assert!(!more.reset);
    let mut joined = all.payloads.clone();
    joined.extend(more.payloads);
    assert_eq!(joined, s.thread_message_payloads("run").unwrap());
    let stale = s.thread_payloads_since(ThreadList::Messages, "run", Some((all.generation + 1, all.last_id))).unwrap();
    assert!(stale.reset, "an unknown generation gets the whole list");
}
