// Two stores on one file in one thread: both read and write, and each sees the other's commits at
// once, thread caches included (they are kept per store and must notice another connection's
// appends and archive). Every answer is compared with a store opened afresh for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogStore } from '../../index.mjs';

const dir = mkdtempSync(join(tmpdir(), 'nerve-two-stores-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const JAN1 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
let files = 0;

type Store = ReturnType<typeof createLogStore>;

function message(runId: string, n: number, day: number) {
  const payload =
    n % 5 === 4
      ? { type: 'tool', detail: n }
      : { role: n % 2 ? 'assistant' : 'user', content: `${runId}#${n}`, meta: { n } };
  const type = n % 5 === 4 ? 'thread_command_event' : 'thread_workflow_message';
  return { source: 'workflow', type, refId: runId, payload: JSON.stringify(payload), timestamp: JAN1 + day * DAY + n };
}

/** What a store says about a run's thread. */
function thread(s: Store, runId: string) {
  return {
    messages: s.getThreadMessages(runId),
    events: s.getThreadEvents(runId),
    count: s.getThreadRoundCount(runId),
    rounds: s.getThreadRounds(runId, { before: 0, limit: 4 }),
    rows: s.query({ refId: runId }),
  };
}

const op = fc.record({
  by: fc.constantFrom(0, 1),
  kind: fc.constantFrom('append', 'appendMany', 'appendAsync', 'read', 'archive'),
  run: fc.constantFrom('r1', 'r2'),
  n: fc.integer({ min: 1, max: 4 }),
});

describe('two stores on one file in one process', () => {
  it('each sees the other’s writes and archives at once, caches included', async () => {
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const dbPath = join(dir, `f${files++}`, 'logs.db');
        const stores = [createLogStore(dbPath), createLogStore(dbPath)];
        let n = 0;
        let day = 0;
        try {
          for (const o of ops) {
            const s = stores[o.by];
            const rows = () => Array.from({ length: o.n }, () => message(o.run, n++, day));
            if (o.kind === 'append') for (const r of rows()) s.append(r);
            else if (o.kind === 'appendMany') s.appendMany(rows());
            else if (o.kind === 'appendAsync') await Promise.all(rows().map((r) => s.appendAsync(r)));
            else if (o.kind === 'archive') {
              // Moves every day before the current one; later rows go to a new day.
              await (o.n % 2
                ? s.archiveLogsAsync({ now: JAN1 + (day + 1) * DAY, retentionMs: DAY })
                : s.archiveLogs({ now: JAN1 + (day + 1) * DAY, retentionMs: DAY }));
              day += 1;
            }
            // Warm caches on both sides, then compare with a store that has none.
            const fresh = createLogStore(dbPath);
            const expected = { r1: thread(fresh, 'r1'), r2: thread(fresh, 'r2') };
            fresh.close();
            for (const other of stores) {
              expect(thread(other, 'r1')).toEqual(expected.r1);
              expect(thread(other, 'r2')).toEqual(expected.r2);
            }
            steps += 1;
          }
        } finally {
          for (const s of stores) s.close();
        }
      }),
      { numRuns: 40, seed: Number(process.env.NERVE_FC_SEED ?? 20261122) },
    );
    console.log(`two stores on one file: ${steps} steps, each answer of both stores checked against a fresh store`);
  });
});
