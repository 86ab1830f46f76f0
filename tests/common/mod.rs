// Shared helpers for the integration tests.
#![allow(dead_code)]

use nerve_store::core::{NewEntry, RunUpdate, WorkflowRunStatus};

pub const DAY: i64 = 86_400_000;
/// 2026-01-01T00:00:00Z
pub const JAN1: i64 = 1_767_225_600_000;

pub fn entry(source: &str, kind: &str, ref_id: Option<&str>, payload: Option<&str>, ts: i64) -> NewEntry {
    NewEntry {
        source: source.into(),
        kind: kind.into(),
        ref_id: ref_id.map(Into::into),
        payload: payload.map(Into::into),
        timestamp: ts as f64,
    }
}

pub fn run(id: &str, workflow: &str, status: WorkflowRunStatus, ts: i64) -> RunUpdate {
    RunUpdate { run_id: id.into(), workflow: workflow.into(), status, timestamp: ts as f64, exit_code: None }
}

/// A small seeded generator (xorshift), so failures reproduce.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}
