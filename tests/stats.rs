// Read-only figures for the command-line tool: counts, days covered, runs by status, integrity.
mod common;

use common::{entry, run, DAY, JAN1};
use nerve_store::core::{integrity_check, store_stats};
use nerve_store::core::{LogStore, WorkflowRunStatus};

#[test]
fn empty_database_has_no_rows_or_days() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    LogStore::open(&path).unwrap();
    let s = store_stats(&path).unwrap();
    assert_eq!(s.rows, 0);
    assert_eq!(s.days, 0);
    assert_eq!(s.first_timestamp, None);
    assert!(s.runs_by_status.is_empty());
    assert!(s.page_count > 0 && s.page_size > 0);
    assert_eq!(integrity_check(&path).unwrap(), vec!["ok".to_string()]);
}

#[test]
fn counts_rows_days_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let mut store = LogStore::open(&path).unwrap();
    // Days 0, 0, 2 (a gap), 5, and a row one ms before day 0 (the previous day).
    for ts in [JAN1, JAN1 + DAY - 1, JAN1 + 2 * DAY + 5, JAN1 + 5 * DAY, JAN1 - 1] {
        store.append(&entry("sense", "tick", None, None, ts)).unwrap();
    }
    let e = entry("workflow", "started", Some("r1"), None, JAN1);
    store.upsert_workflow_run(&e, &run("r1", "build", WorkflowRunStatus::Started, JAN1)).unwrap();
    let e = entry("workflow", "completed", Some("r2"), None, JAN1);
    store.upsert_workflow_run(&e, &run("r2", "build", WorkflowRunStatus::Completed, JAN1)).unwrap();
    let e = entry("workflow", "completed", Some("r3"), None, JAN1);
    store.upsert_workflow_run(&e, &run("r3", "deploy", WorkflowRunStatus::Completed, JAN1)).unwrap();

    let s = store_stats(&path).unwrap();
    assert_eq!(s.rows, 8);
    assert_eq!(s.days, 4);
    assert_eq!(s.first_timestamp, Some((JAN1 - 1) as f64));
    assert_eq!(s.last_timestamp, Some((JAN1 + 5 * DAY) as f64));
    assert_eq!(s.runs_by_status, vec![("completed".into(), 2), ("started".into(), 1)]);
    assert_eq!(s.runs_by_workflow, vec![("build".into(), 2), ("deploy".into(), 1)]);
}

#[test]
fn missing_database_is_an_error_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let err = store_stats(&path).unwrap_err();
    assert_eq!(err.code, "ENOENT");
    assert!(integrity_check(&path).is_err());
    assert!(!path.exists());
}
