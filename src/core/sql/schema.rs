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
