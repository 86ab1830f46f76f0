use nerve_store::core::{
    digest_hex, hex_str, normalize_blob_hash, normalize_hash, BlobStore, ReadOutcome, STREAM_CHUNK,
};
use std::fs;

#[test]
fn write_read_exists_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path().join("blobs"));
    let hash = blobs.write(b"hello").unwrap();
    assert_eq!(hash, digest_hex(b"hello"));
    assert!(dir.path().join("blobs").join(&hash[..2]).join(&hash[2..]).is_file());
    assert_eq!(blobs.read(&hash.to_uppercase()).unwrap().unwrap(), b"hello");
    assert!(blobs.exists(&format!("  {hash}\n")));
    assert_eq!(blobs.write(b"hello").unwrap(), hash, "idempotent");
    assert!(blobs.read(&digest_hex(b"other")).unwrap().is_none());
    assert!(blobs.read("not-a-hash").unwrap().is_none());
    // No temporary file is left behind.
    let shard: Vec<_> = fs::read_dir(dir.path().join("blobs").join(&hash[..2])).unwrap().collect();
    assert_eq!(shard.len(), 1);
}

#[test]
fn tampered_blob_is_detected_on_read_and_write() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path());
    let hash = blobs.write(b"data").unwrap();
    fs::write(blobs.path_for(&hash), b"evil").unwrap();
    assert_eq!(blobs.read(&hash).unwrap_err().code, "ERR_BLOB_MISMATCH");
    let err = blobs.write(b"data").unwrap_err();
    assert!(err.message.starts_with("Blob CAS mismatch at \""), "{}", err.message);
}

#[test]
fn normalize_uses_javascript_trim() {
    let h = "A".repeat(64);
    assert_eq!(normalize_blob_hash(&format!("\u{feff}\u{3000}{h}\u{2028}")), Some("a".repeat(64)));
    assert_eq!(normalize_blob_hash(&format!("\u{85}{h}")), None, "U+0085 is not JS whitespace");
    assert_eq!(normalize_blob_hash(&"g".repeat(64)), None);
    assert_eq!(normalize_blob_hash(&"a".repeat(63)), None);
}

/// Bytes that do not repeat within a chunk, so a misplaced chunk changes the hash.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32).map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as u8).collect()
}

/// Names in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn reads_empty_and_multi_chunk_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path());
    let empty = blobs.write(b"").unwrap();
    assert_eq!(blobs.read(&empty).unwrap().unwrap(), b"");
    let big = pattern(STREAM_CHUNK * 2 + 12_345, 1);
    let h = blobs.write(&big).unwrap();
    assert_eq!(blobs.read(&h).unwrap().unwrap(), big);
    // Straight into the caller's buffer.
    match blobs.read_with(&h, |len| Ok(vec![0xeeu8; len])).unwrap().unwrap() {
        ReadOutcome::Filled(b) => assert_eq!(b, big),
        ReadOutcome::Bytes(_) => panic!("a regular file reports its size"),
    }
    assert!(blobs
        .read_with(&"0".repeat(64), |_| -> nerve_store::core::Result<Vec<u8>> { panic!("no alloc for a missing blob") })
        .unwrap()
        .is_none());
}

#[test]
fn a_directory_in_place_of_a_blob_exists_and_fails_to_read() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path());
    let h = digest_hex(b"dir");
    fs::create_dir_all(blobs.path_for(&h)).unwrap();
    assert!(blobs.exists(&h));
    let err = blobs.read(&h).unwrap_err();
    assert_eq!(err.code, "EISDIR");
    assert_eq!(err.message, "EISDIR: illegal operation on a directory, read");
    assert_eq!(blobs.write(b"dir").unwrap_err().code, "EISDIR");
    assert_eq!(blobs.read_to_file(&h, &dir.path().join("out")).unwrap_err().code, "EISDIR");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn paths_read_as_path_join_builds_them() {
    let blobs = BlobStore::new("root/");
    let h = digest_hex(b"x");
    assert_eq!(blobs.path_for(&h), std::path::Path::new("root").join(&h[..2]).join(&h[2..]));
    assert_eq!(BlobStore::new("").path_for(&h), std::path::Path::new(&h[..2]).join(&h[2..]));
    let long = "d/".repeat(300);
    BlobStore::new(long.as_str()).with_blob_path(&normalize_hash(&h).unwrap(), |p| {
        assert_eq!(p.path(), std::path::Path::new(&long).join(&h[..2]).join(&h[2..]));
        assert!(!p.exists());
    });
}

#[test]
fn write_file_streams_into_the_same_blob_as_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nested").join("blobs");
    let blobs = BlobStore::new(&root);
    let data = pattern(STREAM_CHUNK * 3 + 7, 2);
    let src = dir.path().join("src.bin");
    fs::write(&src, &data).unwrap();
    let h = blobs.write_file(&src).unwrap();
    assert_eq!(h, digest_hex(&data));
    assert_eq!(fs::read(blobs.path_for(&h)).unwrap(), data);
    assert_eq!(names(&root), vec![h[..2].to_string()], "no temporary file left in the root");
    // Again: the existing blob is verified, the copy discarded.
    assert_eq!(blobs.write_file(&src).unwrap(), h);
    assert_eq!(names(&root), vec![h[..2].to_string()]);
    assert_eq!(blobs.write(&data).unwrap(), h);
    // An empty file.
    let empty = dir.path().join("empty");
    fs::write(&empty, b"").unwrap();
    assert_eq!(blobs.write_file(&empty).unwrap(), digest_hex(b""));
}

#[test]
fn write_file_verifies_an_existing_blob_and_reports_fs_errors() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path().join("blobs"));
    let src = dir.path().join("src");
    fs::write(&src, b"data").unwrap();
    let h = blobs.write(b"data").unwrap();
    fs::write(blobs.path_for(&h), b"evil").unwrap();
    let err = blobs.write_file(&src).unwrap_err();
    assert_eq!(err.code, "ERR_BLOB_MISMATCH");
    assert_eq!(names(&dir.path().join("blobs")), vec![h[..2].to_string()], "temporary file removed");

    let missing = dir.path().join("missing");
    let err = blobs.write_file(&missing).unwrap_err();
    assert_eq!(err.code, "ENOENT");
    assert_eq!(err.message, format!("ENOENT: no such file or directory, open '{}'", missing.display()));
    let fs_detail = err.fs.unwrap();
    assert_eq!((fs_detail.errno, fs_detail.syscall.as_str()), (-2, "open"));
    assert_eq!(fs_detail.path.as_deref(), Some(missing.to_str().unwrap()));

    let err = blobs.write_file(dir.path()).unwrap_err();
    assert_eq!(err.code, "EISDIR");
}

#[test]
fn read_to_file_copies_verified_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path().join("blobs"));
    let data = pattern(STREAM_CHUNK + 99, 3);
    let h = blobs.write(&data).unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let dest = out.join("copy.bin");
    assert!(blobs.read_to_file(&format!(" {}\n", h.to_uppercase()), &dest).unwrap());
    assert_eq!(fs::read(&dest).unwrap(), data);
    // Replaces an existing file.
    fs::write(&dest, b"old").unwrap();
    assert!(blobs.read_to_file(&h, &dest).unwrap());
    assert_eq!(fs::read(&dest).unwrap(), data);
    assert_eq!(names(&out), vec!["copy.bin".to_string()], "no temporary file left");
}

#[test]
fn read_to_file_writes_nothing_for_missing_malformed_or_damaged_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path().join("blobs"));
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let dest = out.join("copy");
    assert!(!blobs.read_to_file(&"a".repeat(64), &dest).unwrap());
    assert!(!blobs.read_to_file("nope", &dest).unwrap());
    let h = blobs.write(&pattern(3 * STREAM_CHUNK, 4)).unwrap();
    let mut damaged = fs::read(blobs.path_for(&h)).unwrap();
    damaged[2 * STREAM_CHUNK + 5] ^= 1;
    fs::write(blobs.path_for(&h), &damaged).unwrap();
    let err = blobs.read_to_file(&h, &dest).unwrap_err();
    assert_eq!(err.code, "ERR_BLOB_MISMATCH");
    assert!(err.message.contains(&h), "{}", err.message);
    assert!(names(&out).is_empty(), "neither the destination nor a temporary file: {:?}", names(&out));
    // A destination directory that does not exist.
    let good = blobs.write(b"good").unwrap();
    let err = blobs.read_to_file(&good, &out.join("no").join("such")).unwrap_err();
    assert_eq!(err.code, "ENOENT");
}

#[test]
fn normalize_hash_into_a_stack_array() {
    let h = "Ab".repeat(32);
    assert_eq!(normalize_hash(&h).map(|a| hex_str(&a).to_owned()), Some("ab".repeat(32)));
    assert_eq!(normalize_hash(&format!("\u{2029}{h}\t")).map(|a| hex_str(&a).to_owned()), Some("ab".repeat(32)));
    assert_eq!(normalize_hash(&format!("{}g", "a".repeat(63))), None);
    assert_eq!(normalize_hash(&format!("{}\u{130}", "a".repeat(62))), None);
    assert_eq!(normalize_hash(""), None);
}

#[test]
fn new_directories_are_created_on_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("a").join("b");
    let blobs = BlobStore::new(&root);
    let h = blobs.write(b"first").unwrap();
    assert!(blobs.path_for(&h).is_file());
    // A root that is a file: the mkdir fails, worded as node:fs words it.
    let file_root = dir.path().join("file");
    fs::write(&file_root, b"x").unwrap();
    let err = BlobStore::new(&file_root).write(b"x").unwrap_err();
    assert_eq!(err.fs.unwrap().syscall, "mkdir");
}

#[test]
fn large_blobs_read_back_exactly_and_damage_is_caught() {
    // Large enough for the two-thread read, with a last chunk that is not full.
    let data = pattern((9 << 20) + 12_345, 11);
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::new(dir.path());
    let hash = blobs.write(&data).unwrap();
    assert_eq!(blobs.read(&hash).unwrap().unwrap(), data);
    // One byte changed past the first megabyte: the hash of what was read must not match.
    let mut damaged = data.clone();
    damaged[(5 << 20) + 7] ^= 1;
    fs::write(blobs.path_for(&hash), &damaged).unwrap();
    assert_eq!(blobs.read(&hash).unwrap_err().code, "ERR_BLOB_MISMATCH");
    // Cut short: what is there is read and found not to match either.
    fs::write(blobs.path_for(&hash), &data[..(6 << 20) + 1]).unwrap();
    assert_eq!(blobs.read(&hash).unwrap_err().code, "ERR_BLOB_MISMATCH");
}
