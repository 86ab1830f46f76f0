use nerve_store::core::blob_store::{digest_hex, normalize_blob_hash, BlobStore};
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
