//! The floor: what SQLite and the file system cost from Rust alone, without Node or N-API.
//!
//! Same pragmas as the store (WAL; `synchronous` left at SQLite's default, FULL), same schema and
//! SQL text as `@uncaged/nerve-store`, and the blob store's durable write path (temporary file,
//! fsync, rename, directory fsync). `npm run bench` measures the same operations through the
//! addon, so the gap between the two is what the N-API layer and JavaScript objects cost.
//!
//! Run: `cargo bench --bench floor` (a couple of minutes). Filter: `cargo bench --bench floor -- scan`.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The store's own DDL and insert, so the floor runs exactly the SQL the addon runs.
use nerve_store::core::floor_sql::{INSERT_LOG, SCHEMA};
const SELECT_ALL: &str = "SELECT id, source, type, ref_id, payload, timestamp FROM logs  ORDER BY id ASC ";

const SCAN_ROWS: usize = 100_000;
const TX_ROWS: u64 = 1_000;

/// A payload of the size the JS benchmark appends (~200 bytes of JSON).
fn payload(i: u64) -> String {
    format!(
        r#"{{"role":"assistant","content":"heartbeat {i}: all subsystems nominal, queue depth 3, last tick ok","meta":{{"model":"gpt-x","tokens":{}}},"timestamp":{}}}"#,
        i % 997,
        1_767_225_600_000u64 + i
    )
}

fn open(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open");
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).expect("wal");
    conn.execute_batch(SCHEMA).expect("schema");
    conn
}

fn insert(conn: &Connection, i: u64) {
    conn.prepare_cached(INSERT_LOG)
        .expect("prepare")
        .execute(params![
            "daemon",
            "heartbeat",
            format!("run-{}", i % 1000),
            payload(i),
            1_767_225_600_000i64 + i as i64
        ])
        .expect("insert");
}

struct Row {
    id: i64,
    source: String,
    kind: String,
    ref_id: Option<String>,
    payload: Option<String>,
    timestamp: i64,
}

fn bench_sqlite(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("sqlite");

    // One autocommit INSERT: a WAL append plus its fsync (synchronous=FULL).
    {
        let conn = open(&dir.path().join("autocommit.db"));
        let mut i = 0u64;
        g.throughput(Throughput::Elements(1));
        g.bench_function("insert_autocommit", |b| {
            b.iter(|| {
                i += 1;
                insert(&conn, i)
            })
        });
    }

    // TX_ROWS INSERTs in one transaction, one fsync at COMMIT: per-row cost of group commit.
    // The database starts over (untimed) every 100k rows: a table that keeps growing past SQLite's
    // 2 MB page cache makes each index insert a read, and the number would drift with run length.
    {
        let path = dir.path().join("tx.db");
        let mut conn = open(&path);
        let mut i = 0u64;
        let mut rows = 0u64;
        g.throughput(Throughput::Elements(TX_ROWS));
        g.bench_function("insert_1000_in_one_transaction", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    if rows >= SCAN_ROWS as u64 {
                        drop(std::mem::replace(&mut conn, Connection::open_in_memory().expect("mem")));
                        for ext in ["", "-wal", "-shm"] {
                            let _ = fs::remove_file(format!("{}{ext}", path.display()));
                        }
                        conn = open(&path);
                        rows = 0;
                    }
                    let start = Instant::now();
                    let tx = conn.transaction().expect("begin");
                    for _ in 0..TX_ROWS {
                        i += 1;
                        insert(&tx, i);
                    }
                    tx.commit().expect("commit");
                    total += start.elapsed();
                    rows += TX_ROWS;
                }
                total
            })
        });
    }

    // query() with no filter: every row, every column, into owned Rust values.
    {
        let mut conn = open(&dir.path().join("scan.db"));
        let tx = conn.transaction().expect("begin");
        for i in 0..SCAN_ROWS as u64 {
            insert(&tx, i);
        }
        tx.commit().expect("commit");
        g.throughput(Throughput::Elements(SCAN_ROWS as u64));
        g.bench_function("scan_100k_rows", |b| {
            b.iter(|| {
                let mut stmt = conn.prepare_cached(SELECT_ALL).expect("prepare");
                let rows: Vec<Row> = stmt
                    .query_map([], |r| {
                        Ok(Row {
                            id: r.get(0)?,
                            source: r.get(1)?,
                            kind: r.get(2)?,
                            ref_id: r.get(3)?,
                            payload: r.get(4)?,
                            timestamp: r.get(5)?,
                        })
                    })
                    .expect("query")
                    .collect::<Result<_, _>>()
                    .expect("rows");
                assert_eq!(rows.len(), SCAN_ROWS);
                black_box(rows.last().map(|r| {
                    (r.id, r.source.len(), r.kind.len(), r.ref_id.is_some(), r.payload.is_some(), r.timestamp)
                }));
                rows
            })
        });
    }
    g.finish();
}

const DAY_MS: i64 = 86_400_000;
const ARCHIVE_DAYS: i64 = 20;

/// The reference's archive SQL for 20 days of 100k rows: in one transaction, each day's rows
/// read into owned values and deleted row by row (three secondary indexes to maintain), then one
/// commit; no JSON, no files. What an archive that deletes row by row pays at least; the store
/// empties the table and puts back the rest when most of it goes (see `archive.rs`).
fn bench_archive(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = dir.path().join("template.db");
    {
        let mut conn = open(&template);
        let tx = conn.transaction().expect("begin");
        let sources = [("workflow", "step"), ("daemon", "tick"), ("sense", "metric"), ("agent", "message")];
        for i in 0..SCAN_ROWS as u64 {
            let (source, kind) = sources[(i * 7 % 4) as usize];
            let ts = 1_767_225_600_000i64 + (i as i64 * ARCHIVE_DAYS * DAY_MS) / SCAN_ROWS as i64;
            tx.prepare_cached(INSERT_LOG)
                .expect("prepare")
                .execute(params![source, kind, format!("run-{}", i * 31 % 2000), payload(i), ts])
                .expect("insert");
        }
        tx.commit().expect("commit");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).expect("checkpoint");
    }
    let mut g = c.benchmark_group("sqlite");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(SCAN_ROWS as u64));
    let mut n = 0u64;
    g.bench_function("archive_sql_20_days", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                // Untimed: a fresh, fsynced copy of the template, opened with the store's pragmas.
                let path = dir.path().join(format!("archive-{n}.db"));
                fs::copy(&template, &path).expect("copy");
                File::open(&path).expect("open").sync_all().expect("fsync");
                let mut conn = open(&path);
                conn.execute_batch("PRAGMA cache_size = -65536").expect("cache");
                let start = Instant::now();
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).expect("begin");
                let mut moved = 0;
                for d in 0..ARCHIVE_DAYS {
                    let (from, to) = ((1_767_225_600_000i64 + d * DAY_MS) as f64, (1_767_225_600_000i64 + (d + 1) * DAY_MS) as f64);
                    let mut stmt = tx
                        .prepare_cached("SELECT id, source, type, ref_id, payload, timestamp FROM logs WHERE timestamp >= ?1 AND timestamp < ?2")
                        .expect("prepare");
                    let rows: Vec<Row> = stmt
                        .query_map(params![from, to], |r| {
                            Ok(Row { id: r.get(0)?, source: r.get(1)?, kind: r.get(2)?, ref_id: r.get(3)?, payload: r.get(4)?, timestamp: r.get(5)? })
                        })
                        .expect("query")
                        .collect::<Result<_, _>>()
                        .expect("rows");
                    moved += rows.len();
                    black_box(&rows);
                    tx.execute("DELETE FROM logs WHERE timestamp >= ?1 AND timestamp < ?2", params![from, to]).expect("delete");
                }
                tx.commit().expect("commit");
                total += start.elapsed();
                assert_eq!(moved, SCAN_ROWS);
                drop(conn);
                for ext in ["", "-wal", "-shm"] {
                    let _ = fs::remove_file(format!("{}{ext}", path.display()));
                }
            }
            total
        })
    });
    g.finish();
}

fn sync_dir(dir: &Path) {
    File::open(dir).expect("open dir").sync_all().expect("fsync dir");
}

/// The blob store's write path: sha256, `<root>/<2 hex>/<62 hex>`, temp file, fsync, rename,
/// directory fsync. Returns the path so the caller can drop the file outside the timing.
fn durable_write(root: &Path, bytes: &[u8]) -> PathBuf {
    let hash = hex::encode(Sha256::digest(bytes));
    let dir = root.join(&hash[..2]);
    let path = dir.join(&hash[2..]);
    fs::create_dir_all(&dir).expect("mkdir");
    let mut tmp = tempfile::Builder::new().prefix(".tmp.").tempfile_in(&dir).expect("tmp");
    tmp.write_all(bytes).expect("write");
    tmp.as_file().sync_all().expect("fsync");
    tmp.persist(&path).expect("rename");
    sync_dir(&dir);
    path
}

fn bench_blob(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("blob");
    for (name, size) in [("durable_write_1KiB", 1usize << 10), ("durable_write_16MiB", 16usize << 20)] {
        let mut content = vec![0x5au8; size];
        let mut n = 0u64;
        g.throughput(Throughput::Bytes(size as u64));
        if size > 1 << 20 {
            // ~0.1 s a write: ten single-write samples, not criterion's linear ramp.
            g.sample_size(10).sampling_mode(SamplingMode::Flat);
        }
        g.bench_function(name, |b| {
            // New content each time (so it really writes). As in `npm run bench`, 16 MiB files are
            // removed outside the timing (so the run does not fill the disk) and 1 KiB files are
            // kept: an unlink between writes would put its own metadata into the next fsync.
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    n += 1;
                    content[..8].copy_from_slice(&n.to_le_bytes());
                    let start = Instant::now();
                    let path = durable_write(dir.path(), black_box(&content));
                    total += start.elapsed();
                    if size > 1 << 20 {
                        fs::remove_file(path).expect("remove");
                    }
                }
                total
            });
        });
        // Remove what was written so the next group starts from a small tree.
        for entry in fs::read_dir(dir.path()).expect("read_dir") {
            let _ = fs::remove_dir_all(entry.expect("entry").path());
        }
    }
    // Reading a blob back (read + sha256 verify), the read path's floor.
    g.sample_size(20).sampling_mode(SamplingMode::Auto);
    for (name, size) in [("read_verify_1KiB", 1usize << 10), ("read_verify_16MiB", 16usize << 20)] {
        let path = durable_write(dir.path(), &vec![7u8; size]);
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let data = fs::read(&path).expect("read");
                black_box(hex::encode(Sha256::digest(&data)));
                data
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
}

criterion_group! { name = sqlite; config = config(); targets = bench_sqlite }
criterion_group! { name = blob; config = config(); targets = bench_blob }
criterion_group! { name = archive; config = config(); targets = bench_archive }
criterion_main!(sqlite, blob, archive);
