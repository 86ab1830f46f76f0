// Fixed cases the random scenarios reach rarely or not at all: every method after close(), a
// database from before `exit_code`, ids past 2^53 left by another writer, odd database paths,
// and both implementations opening the other's file.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capture, codeAdded, type Outcome, showOutcome } from './support/canon';
import { dumpDb, ours, reference } from './support/harness';
import { reportStats, stats } from './support/stats';

type Mod = typeof reference;
let dir = '';
const problems: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nerve-parity-edges-'));
  problems.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function compare(what: string, r: Outcome, o: Outcome): void {
  stats.comparisons += 1;
  const a = showOutcome(r).split(join(dir, 'ref')).join('<ROOT>');
  const b = showOutcome(o).split(join(dir, 'ours')).join('<ROOT>');
  if (a === b || codeAdded(r, o)) return;
  problems.push(`${what}\n    reference: ${a}\n    ours:      ${b}`);
}

/** Runs `fn` on each implementation in its own directory and compares what each step gave. */
function both(fn: (mod: Mod, root: string, step: (what: string, f: () => unknown) => void) => void): void {
  const results: Record<string, Outcome[]> = { ref: [], ours: [] };
  const labels: string[] = [];
  for (const [side, mod] of [
    ['ref', reference],
    ['ours', ours],
  ] as const) {
    const root = join(dir, side);
    mkdirSync(root, { recursive: true });
    fn(mod, root, (what, f) => {
      if (side === 'ref') labels.push(what);
      results[side].push(capture(f));
      stats.operations += 1;
    });
  }
  for (const [i, what] of labels.entries()) compare(what, results.ref[i], results.ours[i]);
}

function done(): void {
  expect(problems, problems.join('\n')).toEqual([]);
}

const entry = (timestamp: number, extra: Record<string, unknown> = {}) => ({
  source: 'workflow',
  type: 'thread_command_event',
  refId: 'r',
  payload: '{"type":"t"}',
  timestamp,
  ...extra,
});
const run = { runId: 'r', workflow: 'w', status: 'started' as const, timestamp: 1, exitCode: null };

describe('edges', () => {
  afterAll(() => reportStats('edges'));

  it('every method after close(), a second close() included', () => {
    both((mod, root, step) => {
      const s = mod.createLogStore(join(root, 'logs.db'));
      step('append before close', () => s.append(entry(1)));
      step('close', () => s.close());
      step('append', () => s.append(entry(2)));
      step('query()', () => s.query());
      step('query({limit: 1})', () => s.query({ limit: 1 }));
      step('getMeta', () => s.getMeta('k'));
      step('setMeta', () => s.setMeta('k', 'v'));
      step('upsertWorkflowRun', () => s.upsertWorkflowRun(entry(3), run));
      step('appendWithWorkflowUpdate', () => s.appendWithWorkflowUpdate(entry(3), run));
      step('getWorkflowRun', () => s.getWorkflowRun('r'));
      step('getActiveWorkflowRuns()', () => s.getActiveWorkflowRuns());
      step('getActiveWorkflowRuns(w)', () => s.getActiveWorkflowRuns('w'));
      step('getAllWorkflowRuns(null)', () => s.getAllWorkflowRuns(null));
      step('getAllWorkflowRuns(w)', () => s.getAllWorkflowRuns('w'));
      step('getTriggerPayload', () => s.getTriggerPayload('r'));
      step('getThreadEvents', () => s.getThreadEvents('r'));
      step('getThreadMessages', () => s.getThreadMessages('r'));
      step('getThreadRoundCount', () => s.getThreadRoundCount('r'));
      step('getThreadRounds', () => s.getThreadRounds('r', { before: 0, limit: 5 }));
      step('getThreadRounds limit 0', () => s.getThreadRounds('r', { before: 0, limit: 0 }));
      step('archiveLogs()', () => s.archiveLogs({ now: 1e12 }));
      step('archiveLogs(invalid now)', () => s.archiveLogs({ now: NaN }));
      step('archiveLogs(vacuum)', () => s.archiveLogs({ now: 0, vacuum: true }));
      step('close again', () => s.close());
      const t = mod.createLogStore(join(root, 'logs.db'));
      step('reopened reads what was written before close', () => t.query());
      t.close();
    });
    done();
  });

  it('every method after close() with the thread caches warm, a second close() included', () => {
    const message = (n: number) =>
      entry(n, { type: 'thread_workflow_message', payload: JSON.stringify({ role: 'user', content: `m${n}` }) });
    both((mod, root, step) => {
      const s = mod.createLogStore(join(root, 'logs.db'));
      step('append messages and events', () => [s.append(message(1)), s.append(entry(2)), s.append(message(3))]);
      step('upsert the run', () =>
        s.upsertWorkflowRun(
          entry(4, { source: 'workflow', type: 'started', payload: '{"prompt":"p","maxRounds":2}' }),
          run,
        ),
      );
      step('messages before close', () => s.getThreadMessages('r'));
      step('events before close', () => s.getThreadEvents('r'));
      step('rounds before close', () => s.getThreadRounds('r', { before: 0, limit: 9 }));
      step('round count before close', () => s.getThreadRoundCount('r'));
      step('trigger before close', () => s.getTriggerPayload('r'));
      step('close', () => s.close());
      step('getThreadMessages', () => s.getThreadMessages('r'));
      step('getThreadEvents', () => s.getThreadEvents('r'));
      step('getThreadRounds', () => s.getThreadRounds('r', { before: 0, limit: 9 }));
      step('getThreadRounds before 2', () => s.getThreadRounds('r', { before: 2, limit: 1 }));
      step('getThreadRoundCount', () => s.getThreadRoundCount('r'));
      step('getTriggerPayload', () => s.getTriggerPayload('r'));
      step('getWorkflowRun', () => s.getWorkflowRun('r'));
      step('query(refId)', () => s.query({ refId: 'r' }));
      step('append', () => s.append(message(5)));
      step('close again', () => s.close());
      step('close a third time', () => s.close());
      step('getThreadMessages after the third close', () => s.getThreadMessages('r'));
    });
    done();
  });

  it('a database from before exit_code gains the column, its rows intact', () => {
    const legacy = join(dir, 'legacy.db');
    const db = new DatabaseSync(legacy);
    db.exec(`CREATE TABLE workflow_runs (run_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, timestamp INTEGER NOT NULL);
             INSERT INTO workflow_runs VALUES ('r1', 'w', 'started', 5), ('r2', 'w', 'completed', 7);`);
    db.close();
    both((mod, root, step) => {
      copyFileSync(legacy, join(root, 'logs.db'));
      const s = mod.createLogStore(join(root, 'logs.db'));
      step('getAllWorkflowRuns(null)', () => s.getAllWorkflowRuns(null));
      step('getActiveWorkflowRuns()', () => s.getActiveWorkflowRuns());
      step('upsert into the migrated table', () => s.upsertWorkflowRun(entry(1), { ...run, runId: 'r1', exitCode: 3 }));
      step('getWorkflowRun', () => s.getWorkflowRun('r1'));
      s.close();
    });
    stats.comparisons += 1;
    expect(dumpDb(join(dir, 'ours', 'logs.db'))).toBe(dumpDb(join(dir, 'ref', 'logs.db')));
    done();
  });

  it('ids past 2^53 written by another program', () => {
    both((mod, root, step) => {
      const file = join(root, 'logs.db');
      mod.createLogStore(file).close();
      const db = new DatabaseSync(file);
      db.exec(
        `INSERT INTO logs (id, source, type, ref_id, payload, timestamp) VALUES (9007199254740993, 'workflow', 'thread_command_event', 'r', '{"type":"x"}', 5)`,
      );
      db.close();
      const s = mod.createLogStore(file);
      step('query', () => s.query());
      step('query since', () => s.query({ since: 6 }));
      step('append (its id rounds to a double)', () => s.append(entry(7)));
      step('upsertWorkflowRun', () => s.upsertWorkflowRun(entry(8), run));
      step('getThreadRounds', () => s.getThreadRounds('r', { before: 0, limit: 10 }));
      step('getThreadRounds, last row only', () => s.getThreadRounds('r', { before: 0, limit: 1 }));
      step('getThreadRoundCount', () => s.getThreadRoundCount('r'));
      step('getThreadEvents', () => s.getThreadEvents('r'));
      step('archiveLogs', () => s.archiveLogs({ now: 1e12, retentionMs: 0, maxDays: 1 }));
      s.close();
    });
    done();
  });

  it('odd database paths', () => {
    both((mod, root, step) => {
      step('a directory as the database', () => {
        mkdirSync(join(root, 'isdir'));
        return mod.createLogStore(join(root, 'isdir'));
      });
      step('a file as the parent directory', () => {
        const s = mod.createLogStore(join(root, 'plain.db'));
        s.close();
        return mod.createLogStore(join(root, 'plain.db', 'logs.db'));
      });
      step('nested parents created', () => {
        const s = mod.createLogStore(join(root, 'a', 'b', 'c', 'logs.db'));
        s.append(entry(1));
        const rows = s.query();
        s.close();
        return rows;
      });
      step('a "file:" name is a plain file name', () => {
        const cwd = process.cwd();
        process.chdir(root);
        try {
          const s = mod.createLogStore('file:uri.db?mode=memory');
          s.append(entry(1));
          s.close();
          const t = mod.createLogStore('file:uri.db?mode=memory');
          const rows = t.query();
          t.close();
          return rows;
        } finally {
          process.chdir(cwd);
        }
      });
      step('a relative path, archived beside it', () => {
        const cwd = process.cwd();
        process.chdir(root);
        try {
          const s = mod.createLogStore('rel/./x/../logs.db');
          s.append(entry(86_400_000 * 3));
          const out = s.archiveLogs({ now: 86_400_000 * 10, retentionMs: 0 });
          s.close();
          return out;
        } finally {
          process.chdir(cwd);
        }
      });
    });
    done();
  });

  it('each opens the file the other wrote, with identical content', () => {
    both((mod, root, step) => {
      const s = mod.createLogStore(join(root, 'logs.db'));
      for (let i = 0; i < 50; i++) {
        s.append(
          entry(86_400_000 * (i % 7) + i, {
            payload: JSON.stringify({ role: 'user', content: `m${i}`, meta: i % 3 ? { i } : undefined }),
            type: i % 2 ? 'thread_workflow_message' : 'thread_command_event',
          }),
        );
      }
      s.upsertWorkflowRun(entry(1, { type: 'started', payload: '{"prompt":"p","maxRounds":3}' }), run);
      s.setMeta('k', 'v');
      s.archiveLogs({ now: 86_400_000 * 3, retentionMs: 0 });
      s.close();
      step('own file', () => null);
    });
    const reads = (mod: Mod, file: string) => {
      const s = mod.createLogStore(file);
      try {
        return [
          s.query(),
          s.getAllWorkflowRuns(null),
          s.getMeta('k'),
          s.getMeta('archived_up_to'),
          s.getTriggerPayload('r'),
          s.getThreadEvents('r'),
          s.getThreadMessages('r'),
          s.getThreadRoundCount('r'),
          s.getThreadRounds('r', { before: 0, limit: 100 }),
        ];
      } finally {
        s.close();
      }
    };
    const refFile = join(dir, 'ref', 'logs.db');
    const ourFile = join(dir, 'ours', 'logs.db');
    stats.comparisons += 1;
    expect(dumpDb(ourFile)).toBe(dumpDb(refFile));
    compare(
      'reference reads our file',
      capture(() => reads(reference, refFile)),
      capture(() => reads(reference, ourFile)),
    );
    compare(
      'ours reads the reference file',
      capture(() => reads(reference, refFile)),
      capture(() => reads(ours, refFile)),
    );
    stats.operations += 4;
    done();
  });
});
