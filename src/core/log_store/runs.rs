//! Workflow runs: their states, the upsert that goes with a log row, and the reads.

use super::entry::{check_time, insert, NewEntry};
use super::{LogStore, Member};
use crate::core::js_value::{js_display, js_number, sqlite_text, sqlite_value, MAX_SAFE_INTEGER};
use crate::core::sql::{self, transaction};
use crate::core::{Error, Result};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, OptionalExtension};

/// The 8 states of a workflow run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowRunStatus {
    Queued,
    Started,
    Completed,
    Failed,
    Crashed,
    Dropped,
    Interrupted,
    Killed,
}

impl WorkflowRunStatus {
    pub const ALL: [WorkflowRunStatus; 8] = [
        Self::Queued,
        Self::Started,
        Self::Completed,
        Self::Failed,
        Self::Crashed,
        Self::Dropped,
        Self::Interrupted,
        Self::Killed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Crashed => "crashed",
            Self::Dropped => "dropped",
            Self::Interrupted => "interrupted",
            Self::Killed => "killed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The status argument `arg` names, or the TypeError listing the valid ones.
    pub fn parse_arg(arg: &str, s: &str) -> Result<Self> {
        Self::parse(s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|st| format!("'{}'", st.as_str())).collect();
            Error::arg_value(arg, &format!("one of {}", names.join(", ")), &format!("'{s}'"))
        })
    }
}

/// A workflow run to upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct RunUpdate {
    pub run_id: String,
    pub workflow: String,
    pub status: WorkflowRunStatus,
    pub timestamp: f64,
    pub exit_code: Option<f64>,
}

impl RunUpdate {
    pub fn validate(&self) -> Result<()> {
        check_time("run.timestamp", self.timestamp)?;
        if let Some(c) = self.exit_code {
            // Larger integers would be stored but could never be read back as a JS number.
            if !c.is_finite() || (c.fract() == 0.0 && c.abs() > MAX_SAFE_INTEGER as f64) {
                return Err(Error::out_of_range("run.exitCode", "a finite safe number or null", &js_number(c)));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRunRow {
    pub run_id: Value,
    pub workflow: Value,
    pub status: WorkflowRunStatus,
    pub timestamp: Value,
    pub exit_code: Value,
}

/// A run as selected in `sql::run_columns!` order; a status no run can have (a foreign writer's)
/// is an error of its own, as the reference's type guard makes it.
fn row_to_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<WorkflowRunRow>> {
    let status = match row.get_ref(2)? {
        ValueRef::Text(t) => WorkflowRunStatus::parse(&sqlite_text(t)),
        _ => None,
    };
    let Some(status) = status else {
        return Ok(Err(Error::invalid_workflow_status(&js_display(row.get_ref(2)?))));
    };
    Ok(Ok(WorkflowRunRow {
        run_id: sqlite_value(row.get_ref(0)?),
        workflow: sqlite_value(row.get_ref(1)?),
        status,
        timestamp: sqlite_value(row.get_ref(3)?),
        exit_code: sqlite_value(row.get_ref(4)?),
    }))
}

impl LogStore {
    /// Appends the entry and upserts the run in one `BEGIN IMMEDIATE` transaction.
    pub fn upsert_workflow_run(&mut self, entry: &NewEntry, run: &RunUpdate) -> Result<i64> {
        self.check_writable(Member::UpsertWorkflowRun)?;
        let conn = self.db_conn()?;
        entry.validate()?;
        run.validate()?;
        transaction::immediate(conn, |tx| {
            let id = insert(tx, entry)?;
            tx.prepare_cached(sql::UPSERT_RUN)?.execute(params![
                run.run_id,
                run.workflow,
                run.status.as_str(),
                run.timestamp,
                run.exit_code
            ])?;
            Ok(id)
        })
    }

    pub fn get_workflow_run(&self, run_id: &str) -> Result<Option<WorkflowRunRow>> {
        let conn = self.stmt_conn()?;
        let row = conn.prepare_cached(sql::GET_RUN)?.query_row([run_id], row_to_run).optional()?;
        row.transpose()
    }

    /// Runs in `queued`/`started`, oldest first. `Some(None)` (a null name) matches none.
    pub fn get_active_workflow_runs(&self, workflow: Option<Option<&str>>) -> Result<Vec<WorkflowRunRow>> {
        match workflow {
            None => self.runs(sql::ACTIVE_RUNS, None),
            Some(name) => self.runs(sql::ACTIVE_RUNS_OF, Some(name)),
        }
    }

    /// All runs, newest first. `None` means every workflow.
    pub fn get_all_workflow_runs(&self, workflow: Option<&str>) -> Result<Vec<WorkflowRunRow>> {
        match workflow {
            None => self.runs(sql::ALL_RUNS, None),
            Some(name) => self.runs(sql::ALL_RUNS_OF, Some(Some(name))),
        }
    }

    fn runs(&self, sql: &str, workflow: Option<Option<&str>>) -> Result<Vec<WorkflowRunRow>> {
        let conn = self.stmt_conn()?;
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = match workflow {
            Some(name) => stmt.query_map([name], row_to_run)?.collect::<rusqlite::Result<Vec<_>>>()?,
            None => stmt.query_map([], row_to_run)?.collect::<rusqlite::Result<Vec<_>>>()?,
        };
        rows.into_iter().collect()
    }
}
