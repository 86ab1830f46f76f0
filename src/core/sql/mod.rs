//! Every SQL statement the store runs, named for what it does. Values are always bound, never
//! formatted into the text; the few statements built at run time (`query` filters) join fixed
//! condition strings from this module.

pub mod schema;
pub mod search;
pub mod transaction;

/// The columns of a log row, in the order `LogRow`, the archive lines and the row batch use.
macro_rules! log_columns {
    () => {
        "id, source, type, ref_id, payload, timestamp"
    };
}

/// The columns of a workflow run, in the order `WorkflowRunRow` reads them.
macro_rules! run_columns {
    () => {
        "run_id, workflow, status, timestamp, exit_code"
    };
}

// ---------------------------------------------------------------------------------------------
// Connection

/// 64 MiB of page cache (negative: KiB), see `connection::open`.
pub const CACHE_SIZE: &str = "PRAGMA cache_size = -65536";
pub const DATA_VERSION: &str = "PRAGMA data_version";
pub const SCHEMA_VERSION: &str = "PRAGMA schema_version";
pub const JOURNAL_MODE_WAL: &str = "PRAGMA journal_mode=WAL";
pub const VACUUM: &str = "VACUUM";

// ---------------------------------------------------------------------------------------------
// Log rows

pub const INSERT_LOG: &str = "INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES (?1, ?2, ?3, ?4, ?5)";

/// `query` filter conditions, one bound value each.
pub const WHERE_SOURCE: &str = "source = ?";
pub const WHERE_TYPE: &str = "type = ?";
pub const WHERE_REF_ID: &str = "ref_id = ?";
pub const WHERE_SINCE: &str = "timestamp >= ?";
pub const WHERE_UNTIL: &str = "timestamp <= ?";
/// `iterate`'s keyset condition.
pub const WHERE_AFTER_ID: &str = "id > ?";
/// Two subqueries: SQLite reads `min` or `max` alone from the ends of the rowid b-tree, but both
/// in one SELECT scan the whole table.
pub const ID_SPAN: &str = "SELECT (SELECT min(id) FROM logs), (SELECT max(id) FROM logs)";

/// `SELECT <log columns> FROM logs [WHERE ...] ORDER BY id ASC [LIMIT (SELECT ?)]`.
///
/// The limit is bound behind a scalar subquery: SQLite plans a bare `LIMIT ?` with the bound
/// value, so every new binding of it re-prepares the statement on the next step (about 5 us a
/// call, a third of a `limit: 1` query). The subquery runs once per call.
pub fn select_logs(conds: &[&str], limited: bool) -> String {
    let mut sql = String::from(concat!("SELECT ", log_columns!(), " FROM logs"));
    push_where(&mut sql, conds);
    sql.push_str(" ORDER BY id ASC");
    if limited {
        sql.push_str(" LIMIT (SELECT ?)");
    }
    sql
}

/// One row by id, if it also meets every condition (bound after the id).
pub fn select_log_by_id(conds: &[&str]) -> String {
    let mut sql = String::from(concat!("SELECT ", log_columns!(), " FROM logs WHERE id = ?"));
    for c in conds {
        sql.push_str(" AND ");
        sql.push_str(c);
    }
    sql
}

/// The ids meeting every condition, in whatever order the index SQLite picks gives them.
pub fn select_ids(conds: &[&str]) -> String {
    let mut sql = String::from("SELECT id FROM logs");
    push_where(&mut sql, conds);
    sql
}

fn push_where(sql: &mut String, conds: &[&str]) {
    for (i, c) in conds.iter().enumerate() {
        sql.push_str(if i == 0 { " WHERE " } else { " AND " });
        sql.push_str(c);
    }
}

// ---------------------------------------------------------------------------------------------
// Meta

pub const GET_META: &str = "SELECT value FROM meta WHERE key = ?1";
pub const SET_META: &str = "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2";

// ---------------------------------------------------------------------------------------------
// Workflow runs

pub const UPSERT_RUN: &str =
    concat!("INSERT OR REPLACE INTO workflow_runs (", run_columns!(), ") VALUES (?1, ?2, ?3, ?4, ?5)");
pub const GET_RUN: &str = concat!("SELECT ", run_columns!(), " FROM workflow_runs WHERE run_id = ?1");
pub const ACTIVE_RUNS: &str = concat!(
    "SELECT ",
    run_columns!(),
    " FROM workflow_runs WHERE status IN ('queued', 'started') ORDER BY timestamp ASC"
);
pub const ACTIVE_RUNS_OF: &str = concat!(
    "SELECT ",
    run_columns!(),
    " FROM workflow_runs WHERE status IN ('queued', 'started') AND workflow = ?1 ORDER BY timestamp ASC"
);
pub const ALL_RUNS: &str = concat!("SELECT ", run_columns!(), " FROM workflow_runs ORDER BY timestamp DESC");
pub const ALL_RUNS_OF: &str =
    concat!("SELECT ", run_columns!(), " FROM workflow_runs WHERE workflow = ?1 ORDER BY timestamp DESC");

// ---------------------------------------------------------------------------------------------
// Threads

pub const TRIGGER_PAYLOAD: &str = "SELECT payload FROM logs \
     WHERE source = 'workflow' AND type = 'started' AND ref_id = ?1 ORDER BY id ASC LIMIT 1";

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
macro_rules! round_filter {
    () => {
        "source = 'workflow' \
         AND type IN ('thread_command_event', 'thread_workflow_message') AND ref_id = ?1 \
         AND payload IS NOT NULL AND json_valid(payload) = 1 \
         AND COALESCE(json_extract(payload, '$.type'), '') != 'thread_start' \
         AND COALESCE(json_extract(payload, '$.role'), '') != '__start__'"
    };
}

/// The reference's rounds query, numbered over the whole run.
pub const ROUNDS: &str = concat!(
    "WITH numbered AS (SELECT id, timestamp, payload, ROW_NUMBER() OVER (ORDER BY id ASC) AS rn FROM logs WHERE ",
    round_filter!(),
    ") SELECT id, timestamp, payload, rn FROM numbered WHERE (?2 = 0 OR rn < ?2) ORDER BY rn DESC LIMIT ?3"
);

// ---------------------------------------------------------------------------------------------
// Archive

pub const MIN_TIMESTAMP: &str = "SELECT MIN(timestamp) FROM logs";
/// A day's rows in `idx_logs_timestamp` order; the archive orders them by id itself.
pub const DAY_ROWS: &str = concat!("SELECT ", log_columns!(), " FROM logs WHERE timestamp >= ?1 AND timestamp < ?2");
/// Answered from `idx_logs_timestamp` alone.
pub const COUNT_SPAN: &str = "SELECT count(*) FROM logs WHERE timestamp >= ?1 AND timestamp < ?2";
pub const DELETE_SPAN: &str = "DELETE FROM logs WHERE timestamp >= ?1 AND timestamp < ?2";
pub const COUNT_LOGS: &str = "SELECT count(*) FROM logs";
/// The rows an archive keeps, set aside in a temporary table whose columns have no type, so no
/// affinity touches the values on the way.
pub const KEEP_CREATE: &str = concat!("CREATE TEMP TABLE archive_keep (", log_columns!(), ")");
pub const KEEP_FILL: &str = concat!(
    "INSERT INTO temp.archive_keep SELECT ",
    log_columns!(),
    " FROM logs WHERE NOT (timestamp >= ?1 AND timestamp < ?2)"
);
/// `DELETE FROM logs` without a WHERE clause is SQLite's truncate: pages are freed, not rows
/// deleted one by one. `sqlite_sequence` is untouched, so new ids keep growing.
pub const KEEP_RESTORE: &str = concat!(
    "DELETE FROM logs; INSERT INTO logs (",
    log_columns!(),
    ") SELECT ",
    log_columns!(),
    " FROM temp.archive_keep ORDER BY id; DROP TABLE temp.archive_keep;"
);

// ---------------------------------------------------------------------------------------------
// Stats (the `nerve-store` command)

pub const LOG_SPAN: &str = "SELECT count(*), min(timestamp), max(timestamp) FROM logs";
pub const NEXT_TIMESTAMP_FROM: &str = "SELECT min(timestamp) FROM logs WHERE timestamp >= ?1";
pub const RUNS_BY_STATUS: &str = "SELECT status, count(*) FROM workflow_runs GROUP BY status ORDER BY status";
pub const RUNS_BY_WORKFLOW: &str = "SELECT workflow, count(*) FROM workflow_runs GROUP BY workflow ORDER BY workflow";
pub const PAGE_SIZE: &str = "PRAGMA page_size";
pub const PAGE_COUNT: &str = "PRAGMA page_count";
pub const FREELIST_COUNT: &str = "PRAGMA freelist_count";
pub const INTEGRITY_CHECK: &str = "PRAGMA integrity_check";
