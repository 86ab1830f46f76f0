// Several processes opening one new database at the same moment, the way nerve's daemon, workers
// and CLI start up together. Each child is this test binary run again for `child_opens`.
use nerve_store::core::LogStore;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

const PATH_VAR: &str = "NERVE_OPEN_CHILD_DB";
const START_VAR: &str = "NERVE_OPEN_CHILD_START_MS";

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()
}

/// Does nothing unless started by the test below: then waits for the common start and opens.
#[test]
fn child_opens() {
    let Ok(path) = std::env::var(PATH_VAR) else { return };
    let start: u128 = std::env::var(START_VAR).unwrap().parse().unwrap();
    while now_ms() < start {
        std::thread::yield_now();
    }
    if let Err(e) = LogStore::open(&path).and_then(|mut s| s.close()) {
        eprintln!("open failed: {e:?}");
        std::process::exit(3);
    }
}

#[test]
fn a_new_database_opened_by_many_processes_at_once() {
    const PROCESSES: usize = 8;
    const ROUNDS: usize = 8;
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("logs.db");
        let start = now_ms() + 300;
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                Command::new(&exe)
                    .args(["--exact", "child_opens", "--nocapture", "--test-threads=1"])
                    .env(PATH_VAR, &db)
                    .env(START_VAR, start.to_string())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            if !out.status.success() {
                failures.push(format!("round {round}: {}", String::from_utf8_lossy(&out.stderr).trim()));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} opens failed:\n{}", failures.len(), PROCESSES * ROUNDS, failures.join("\n"));
}
