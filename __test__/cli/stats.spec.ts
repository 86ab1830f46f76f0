import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogStore } from '../../index.mjs';
import { cli, demoDir, oneLine, tempDir } from './helpers';

describe('nerve-store demo and stats', () => {
  it('demo fills a fresh directory, archives old days and prints stats', () => {
    const dir = join(tempDir(), 'fresh');
    const r = cli(['demo', '--data', dir, '--days', '40']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^filled .*: 40 days of signals, \d+ workflow runs; archive pass moved \d+ rows of \d+ days/,
    );
    expect(r.stdout).toMatch(/log rows\s+\d+/);
    expect(r.stdout).toMatch(/workflow runs\s+\d+: completed \d+/);
    expect(r.stdout).toMatch(/blobs\s+\d+, /);
    expect(existsSync(join(dir, 'logs.db'))).toBe(true);
    expect(existsSync(join(dir, 'archive', 'logs'))).toBe(true);
    // The demo leaves one run working and one queued.
    const store = createLogStore(join(dir, 'logs.db'));
    try {
      expect(store.getActiveWorkflowRuns().map((x) => x.status)).toEqual(['started', 'queued']);
    } finally {
      store.close();
    }
  });

  it('stats --json agrees with the store', () => {
    const dir = demoDir(35);
    const r = cli(['stats', '--data', dir, '--json']);
    expect(r.code).toBe(0);
    const st = JSON.parse(r.stdout);
    const store = createLogStore(join(dir, 'logs.db'));
    try {
      const rows = store.query();
      expect(st.rows).toBe(rows.length);
      expect(st.firstTimestamp).toBe(Math.min(...rows.map((x) => x.timestamp)));
      const days = new Set(rows.map((x) => new Date(x.timestamp).toISOString().slice(0, 10)));
      expect(st.days).toBe(days.size);
      const runs = store.getAllWorkflowRuns(null);
      expect(st.runs).toBe(runs.length);
      const byStatus: Record<string, number> = {};
      for (const run of runs) byStatus[run.status] = (byStatus[run.status] ?? 0) + 1;
      expect(st.runsByStatus).toEqual(byStatus);
      expect(st.archivedUpTo).toBe(store.getMeta('archived_up_to'));
    } finally {
      store.close();
    }
    expect(st.blobs).toBeGreaterThan(0);
    expect(st.databaseBytes).toBeGreaterThan(0);
    expect(st.archive.files).toBeGreaterThan(0);
  });

  it('stats prints an aligned summary', () => {
    const dir = demoDir(5);
    const r = cli(['--data', dir, 'stats']);
    expect(r.code).toBe(0);
    for (const label of ['log rows', 'days covered', 'database', 'WAL', 'workflow runs', 'blobs', 'archived up to']) {
      expect(r.stdout).toMatch(new RegExp(`^${label} +\\S`, 'm'));
    }
  });

  it('a missing database is a one-line error, exit 1, and nothing is created', () => {
    const dir = join(tempDir(), 'none');
    const r = cli(['stats', '--data', dir]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^nerve-store: no database at .*logs\.db/);
    expect(existsSync(dir)).toBe(false);
  });
});
