mod common;

use common::*;
use nerve_store::core::create_dirs;
use nerve_store::core::ArchiveOptions;
use nerve_store::core::{digest_hex, BlobStore};
use nerve_store::core::{LogQuery, LogStore};
use std::fs;

#[test]
fn create_dirs_fsyncs_the_parent_of_every_directory_it_made() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    let synced = create_dirs(&top.join("archive/logs/deep")).unwrap();
    assert!(top.join("archive/logs/deep").is_dir());
    assert_eq!(synced, vec![top.to_path_buf(), top.join("archive"), top.join("archive/logs")]);
    assert!(create_dirs(&top.join("archive/logs")).unwrap().is_empty(), "nothing new, nothing to sync");
}

#[test]
fn archive_into_a_missing_directory_creates_it_and_archives() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = dir.path().join("not/yet/there");
    s.append(&entry("a", "x", None, None, JAN1 + 1)).unwrap();
    let opts =
        ArchiveOptions { now: Some((JAN1 + 2 * DAY) as f64), retention_ms: Some(DAY as f64), ..Default::default() };
    let out = s.archive_logs(&opts, &archive).unwrap();
    assert_eq!(out.days.len(), 1);
    assert_eq!(fs::read_to_string(archive.join("2026-01-01.jsonl")).unwrap().lines().count(), 1);
}

/// What a process killed in the middle of an archive leaves: a `.tmp.` file with part of a day in
/// it, never renamed. It is not the day's content: the day is archived from SQLite as if it were
/// not there, and the temporary file is left alone.
#[test]
fn a_stray_temporary_file_in_the_archive_is_not_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = LogStore::open(dir.path().join("logs.db")).unwrap();
    let archive = s.default_archive_dir();
    fs::create_dir_all(&archive).unwrap();
    let stray = archive.join(".tmp.Ab12Cd");
    fs::write(&stray, "{\"id\":99,\"source\":\"ghost\",\"type\":\"x\",\"refId\":null,\"payload\":null,\"timestamp\":1767225600001}\n{\"id\":1,\"sou").unwrap();
    s.append(&entry("a", "x", None, None, JAN1 + 1)).unwrap();
    let opts =
        ArchiveOptions { now: Some((JAN1 + 2 * DAY) as f64), retention_ms: Some(DAY as f64), ..Default::default() };
    s.archive_logs(&opts, &archive).unwrap();
    let day = fs::read_to_string(archive.join("2026-01-01.jsonl")).unwrap();
    assert_eq!(
        day,
        "{\"id\":1,\"source\":\"a\",\"type\":\"x\",\"refId\":null,\"payload\":null,\"timestamp\":1767225600001}\n"
    );
    assert!(s.query(&LogQuery::default()).unwrap().is_empty());
    assert!(stray.is_file());
}

/// A killed blob write leaves a `.tmp.` file in a shard or in the root (`write_file`); no hash
/// names it, and a later write of the same content stores the blob normally.
#[test]
fn stray_temporary_files_are_never_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path());
    let hash = digest_hex(b"content");
    let shard = dir.path().join(&hash[..2]);
    fs::create_dir_all(&shard).unwrap();
    fs::write(shard.join(".tmp.x1y2z3"), b"cont").unwrap();
    fs::write(dir.path().join(".tmp.q9w8e7"), b"content").unwrap();
    assert!(!blobs.exists(&hash));
    assert!(blobs.read(&hash).unwrap().is_none());
    assert_eq!(blobs.write(b"content").unwrap(), hash);
    assert_eq!(blobs.read(&hash).unwrap().unwrap(), b"content");
}
