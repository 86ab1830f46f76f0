mod common;

use common::*;
use nerve_store::core::{LogQuery, LogStore, WorkflowRunStatus as S};
use rusqlite::types::Value;

fn open() -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(dir.path().join("nested/logs.db")).unwrap();
    (dir, store)
}

#[test]
fn append_assigns_increasing_ids_and_query_filters() {
    let (_d, mut s) = open();
    let a = s.append(&entry("signal", "tick", Some("r1"), Some("{}"), JAN1)).unwrap();
    let b = s.append(&entry("signal", "tock", None, None, JAN1 + 5)).unwrap();
    let c = s.append(&entry("workflow", "started", Some("r1"), None, JAN1 + 10)).unwrap();
    assert!(a < b && b < c);

    let all = s.query(&LogQuery::default()).unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![Value::Integer(a), Value::Integer(b), Value::Integer(c)]
    );

    let q = LogQuery { source: Some(Some("signal".into())), ..Default::default() };
    assert_eq!(s.query(&q).unwrap().len(), 2);
    let q = LogQuery { ref_id: Some(None), ..Default::default() };
    assert!(s.query(&q).unwrap().is_empty(), "a null filter matches nothing");
    let q =
        LogQuery { since: Some(Some((JAN1 + 5) as f64)), until: Some(Some((JAN1 + 10) as f64)), ..Default::default() };
    assert_eq!(s.query(&q).unwrap().len(), 2, "since/until are inclusive");
    let q = LogQuery { limit: Some(-1.0), ..Default::default() };
    assert_eq!(s.query(&q).unwrap().len(), 3, "negative limit means none");
    let q = LogQuery { limit: Some(0.0), ..Default::default() };
    assert!(s.query(&q).unwrap().is_empty());
}

#[test]
fn numbers_bind_like_javascript_numbers() {
    let (_d, mut s) = open();
    let mut e = entry("s", "t", None, None, 0);
    e.timestamp = 1.5;
    s.append(&e).unwrap();
    e.timestamp = 2.0;
    s.append(&e).unwrap();
    let rows = s.query(&LogQuery::default()).unwrap();
    assert_eq!(rows[0].timestamp, Value::Real(1.5));
    assert_eq!(rows[1].timestamp, Value::Integer(2), "integral doubles take INTEGER affinity");
    for bad in [f64::NAN, f64::INFINITY, 8.64e15 + 1.0] {
        e.timestamp = bad;
        assert_eq!(s.append(&e).unwrap_err().code, "ERR_OUT_OF_RANGE");
    }
    assert_eq!(s.query(&LogQuery::default()).unwrap().len(), 2, "rejected rows are not stored");
}

#[test]
fn workflow_runs_upsert_atomically_and_list_in_order() {
    let (_d, mut s) = open();
    s.upsert_workflow_run(&entry("workflow", "queued", Some("r1"), None, JAN1), &run("r1", "w", S::Queued, JAN1))
        .unwrap();
    s.upsert_workflow_run(
        &entry("workflow", "queued", Some("r2"), None, JAN1 + 1),
        &run("r2", "w", S::Queued, JAN1 + 1),
    )
    .unwrap();
    s.upsert_workflow_run(
        &entry("workflow", "started", Some("r2"), None, JAN1 + 2),
        &run("r2", "w", S::Started, JAN1 + 2),
    )
    .unwrap();
    let mut done = run("r1", "w", S::Completed, JAN1 + 3);
    done.exit_code = Some(0.0);
    s.upsert_workflow_run(&entry("workflow", "completed", Some("r1"), None, JAN1 + 3), &done).unwrap();

    let r1 = s.get_workflow_run("r1").unwrap().unwrap();
    assert_eq!((r1.status, r1.exit_code), (S::Completed, Value::Integer(0)));
    let active = s.get_active_workflow_runs(None).unwrap();
    assert_eq!(active.len(), 1);
    assert!(s.get_active_workflow_runs(Some(None)).unwrap().is_empty());
    let all = s.get_all_workflow_runs(None).unwrap();
    assert_eq!(all[0].run_id, Value::Text("r1".into()), "newest first");
    assert_eq!(s.query(&LogQuery::default()).unwrap().len(), 4);
    assert!(s.get_workflow_run("nope").unwrap().is_none());
}

#[test]
fn unknown_stored_status_is_an_error_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let s = LogStore::open(&path).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute("INSERT INTO workflow_runs VALUES ('x', 'w', 'bogus', 1, NULL)", []).unwrap();
    let err = s.get_workflow_run("x").unwrap_err();
    assert_eq!(err.message, "Invalid workflow run status from DB: \"bogus\"");
}

#[test]
fn thread_payloads_keep_only_json_objects_and_rounds_use_sqlite_json() {
    let (_d, mut s) = open();
    let msg = |p: &str, ts| s.append(&entry("workflow", "thread_workflow_message", Some("r"), Some(p), ts)).unwrap();
    msg(r#"{"role":"__start__","content":"go"}"#, JAN1);
    msg(r#"{"role":"planner","content":"a"}"#, JAN1 + 1);
    msg("[1,2]", JAN1 + 2);
    msg("not json", JAN1 + 3);
    msg(r#"{"role":"coder","content":"\ud800"}"#, JAN1 + 4);
    assert_eq!(s.thread_message_payloads("r").unwrap().len(), 3);
    // "[1,2]" is valid JSON to SQLite, so it takes round 2 even though it yields no message.
    assert_eq!(s.thread_round_count("r").unwrap(), 3);
    let rounds = s.thread_rounds("r", 0.0, 10.0).unwrap();
    assert_eq!(rounds.iter().map(|r| r.round).collect::<Vec<_>>(), vec![3, 1]);
    assert_eq!(s.thread_rounds("r", 3.0, 1.0).unwrap().len(), 0, "round 2 yields no object");
    assert!(s.thread_rounds("r", 0.0, 0.0).unwrap().is_empty());
}

#[test]
fn closed_store_reports_invalid_state() {
    let (_d, mut s) = open();
    s.close().unwrap();
    assert_eq!(s.append(&entry("a", "b", None, None, 1)).unwrap_err().message, "statement has been finalized");
    assert_eq!(s.query(&LogQuery::default()).unwrap_err().message, "database is not open");
    let again = s.close().unwrap_err();
    assert_eq!((again.code, again.message.as_str()), ("ERR_INVALID_STATE", "database is not open"));
}

#[test]
fn database_is_wal_with_the_shared_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    drop(LogStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let names: Vec<String> = raw
        .prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        names,
        [
            "idx_logs_ref_id",
            "idx_logs_source_type",
            "idx_logs_timestamp",
            "idx_workflow_runs_status",
            "idx_workflow_runs_workflow",
            "logs",
            "meta",
            "workflow_runs"
        ]
    );
    // Reopening an existing database (exit_code already present) works.
    drop(LogStore::open(&path).unwrap());
}

#[test]
fn legacy_database_gains_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("CREATE TABLE workflow_runs (run_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, timestamp INTEGER NOT NULL); INSERT INTO workflow_runs VALUES ('r', 'w', 'started', 5);").unwrap();
    drop(raw);
    let s = LogStore::open(&path).unwrap();
    let r = s.get_workflow_run("r").unwrap().unwrap();
    assert_eq!(r.exit_code, Value::Null);
}
