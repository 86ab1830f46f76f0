//! The on-disk format shared with `@uncaged/nerve-store`. SQLite keeps each CREATE statement's text
//! in `sqlite_master`, so the DDL is written to produce the same entries as the TypeScript store:
//! a database created by either implementation is indistinguishable from the other's.

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS logs (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  source     TEXT NOT NULL,
  type       TEXT NOT NULL,
  ref_id     TEXT,
  payload    TEXT,
  timestamp  INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_logs_source_type ON logs(source, type);
CREATE INDEX IF NOT EXISTS idx_logs_timestamp ON logs(timestamp);
CREATE INDEX IF NOT EXISTS idx_logs_ref_id ON logs(ref_id);

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS workflow_runs (
  run_id    TEXT PRIMARY KEY,
  workflow  TEXT NOT NULL,
  status    TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  exit_code INTEGER
);

CREATE INDEX IF NOT EXISTS idx_workflow_runs_status ON workflow_runs(status);
CREATE INDEX IF NOT EXISTS idx_workflow_runs_workflow ON workflow_runs(workflow);
";

/// Databases created before `exit_code` existed get the column; on newer ones this fails
/// ("duplicate column") and the failure is the expected outcome.
pub const ADD_EXIT_CODE: &str = "ALTER TABLE workflow_runs ADD COLUMN exit_code INTEGER";

pub const INSERT_LOG: &str =
    "INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES (?1, ?2, ?3, ?4, ?5)";
pub const GET_META: &str = "SELECT value FROM meta WHERE key = ?1";
pub const SET_META: &str =
    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2";
pub const UPSERT_RUN: &str = "INSERT OR REPLACE INTO workflow_runs (run_id, workflow, status, timestamp, exit_code) \
     VALUES (?1, ?2, ?3, ?4, ?5)";

const RUN_COLUMNS: &str = "SELECT run_id, workflow, status, timestamp, exit_code FROM workflow_runs";
pub fn run_query(active_only: bool, by_workflow: bool, newest_first: bool) -> String {
    let mut sql = String::from(RUN_COLUMNS);
    match (active_only, by_workflow) {
        (true, true) => sql.push_str(" WHERE status IN ('queued', 'started') AND workflow = ?1"),
        (true, false) => sql.push_str(" WHERE status IN ('queued', 'started')"),
        (false, true) => sql.push_str(" WHERE workflow = ?1"),
        (false, false) => {}
    }
    sql.push_str(if newest_first { " ORDER BY timestamp DESC" } else { " ORDER BY timestamp ASC" });
    sql
}
pub const GET_RUN: &str =
    "SELECT run_id, workflow, status, timestamp, exit_code FROM workflow_runs WHERE run_id = ?1";

pub const TRIGGER_PAYLOAD: &str = "SELECT payload FROM logs \
     WHERE source = 'workflow' AND type = 'started' AND ref_id = ?1 ORDER BY id ASC LIMIT 1";
pub const THREAD_EVENTS: &str = "SELECT payload FROM logs \
     WHERE source = 'workflow' AND type = 'thread_command_event' AND ref_id = ?1 ORDER BY id ASC";
pub const THREAD_MESSAGES: &str = "SELECT payload FROM logs \
     WHERE source = 'workflow' AND type = 'thread_workflow_message' AND ref_id = ?1 ORDER BY id ASC";

// Deltas for the thread caches (see `thread.rs`): the run's rows after a known id. The unary `+`
// keeps SQLite off the (source, type) index so it walks `idx_logs_ref_id` from that id on.
pub const THREAD_EVENTS_AFTER: &str = "SELECT id, payload FROM logs \
     WHERE +source = 'workflow' AND +type = 'thread_command_event' AND ref_id = ?1 AND id > ?2 ORDER BY id ASC";
pub const THREAD_MESSAGES_AFTER: &str = "SELECT id, payload FROM logs \
     WHERE +source = 'workflow' AND +type = 'thread_workflow_message' AND ref_id = ?1 AND id > ?2 ORDER BY id ASC";
/// Each round-type row after a known id, with whether `ROUND_FILTER`'s payload test holds for it
/// (the CASE keeps `json_extract` away from invalid JSON, as the filter's order does).
pub const ROUND_ROWS_AFTER: &str = "SELECT id, CASE WHEN payload IS NOT NULL AND json_valid(payload) = 1 \
     THEN (COALESCE(json_extract(payload, '$.type'), '') != 'thread_start' \
       AND COALESCE(json_extract(payload, '$.role'), '') != '__start__') ELSE 0 END \
     FROM logs WHERE +source = 'workflow' AND +type IN ('thread_command_event', 'thread_workflow_message') \
     AND ref_id = ?1 AND id > ?2 ORDER BY id ASC";
pub const ROUND_ROW: &str = "SELECT id, timestamp, payload FROM logs WHERE id = ?1";

/// Rows that count as a role round: SQLite's own JSON functions decide, so a payload SQLite accepts
/// but JavaScript cannot turn into a message still takes a round number.
const ROUND_FILTER: &str = "source = 'workflow' \
     AND type IN ('thread_command_event', 'thread_workflow_message') AND ref_id = ?1 \
     AND payload IS NOT NULL AND json_valid(payload) = 1 \
     AND COALESCE(json_extract(payload, '$.type'), '') != 'thread_start' \
     AND COALESCE(json_extract(payload, '$.role'), '') != '__start__'";
pub fn round_count() -> String {
    format!("SELECT COUNT(*) FROM logs WHERE {ROUND_FILTER}")
}
pub fn rounds() -> String {
    format!(
        "WITH numbered AS (SELECT id, timestamp, payload, ROW_NUMBER() OVER (ORDER BY id ASC) AS rn \
         FROM logs WHERE {ROUND_FILTER}) \
         SELECT id, timestamp, payload, rn FROM numbered WHERE (?2 = 0 OR rn < ?2) ORDER BY rn DESC LIMIT ?3"
    )
}

pub const MIN_TIMESTAMP: &str = "SELECT MIN(timestamp) FROM logs";
/// A day's rows in `idx_logs_timestamp` order; the archive orders them by id itself.
pub const DAY_ROWS: &str = "SELECT id, source, type, ref_id, payload, timestamp FROM logs \
     WHERE timestamp >= ?1 AND timestamp < ?2";
pub const DELETE_SPAN: &str = "DELETE FROM logs WHERE timestamp >= ?1 AND timestamp < ?2";
pub const COUNT_LOGS: &str = "SELECT count(*) FROM logs";
/// The rows an archive keeps, set aside in a temporary table whose columns have no type, so no
/// affinity touches the values on the way.
pub const KEEP_CREATE: &str =
    "CREATE TEMP TABLE archive_keep (id, source, type, ref_id, payload, timestamp)";
pub const KEEP_FILL: &str = "INSERT INTO temp.archive_keep \
     SELECT id, source, type, ref_id, payload, timestamp FROM logs WHERE NOT (timestamp >= ?1 AND timestamp < ?2)";
/// `DELETE FROM logs` without a WHERE clause is SQLite's truncate: pages are freed, not rows
/// deleted one by one. `sqlite_sequence` is untouched, so new ids keep growing.
pub const KEEP_RESTORE: &str = "DELETE FROM logs; \
     INSERT INTO logs (id, source, type, ref_id, payload, timestamp) \
       SELECT id, source, type, ref_id, payload, timestamp FROM temp.archive_keep ORDER BY id; \
     DROP TABLE temp.archive_keep;";

/// 64 MiB of page cache (negative: KiB), see `LogStore::open`.
pub const CACHE_SIZE: &str = "PRAGMA cache_size = -65536";
pub const DATA_VERSION: &str = "PRAGMA data_version";
