// Thread reads are served from caches (round numbering, parsed messages and events). These
// scenarios interleave appends, reads, mutation of returned values and another process's writes,
// and compare every read with the reference.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { foreignSqlite } from '../native/helpers';
import { ours, reference } from './support/harness';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const payloadArb = fc.oneof(
  fc
    .record({
      role: fc.constantFrom('user', 'assistant', '__start__'),
      content: fc.string(),
      meta: fc.option(fc.jsonValue(), { nil: undefined }),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({ type: fc.constantFrom('thread_start', 'tool_call', 'note'), n: fc.integer() })
    .map((o) => JSON.stringify(o)),
  fc.constantFrom(
    '[1,2]',
    'not json',
    '{"__proto__":{"x":1},"role":"a","content":"b"}',
    '{"role":"a","content":"b","meta":{"deep":[{"a":[1,{"b":null}]}]}}',
    '"str"',
  ),
);

const opArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('append' as const),
      msg: fc.boolean(),
      run: fc.constantFrom('r1', 'r2'),
      payload: payloadArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('read' as const),
      run: fc.constantFrom('r1', 'r2', 'r3'),
      before: fc.integer({ min: 0, max: 12 }),
      limit: fc.integer({ min: 1, max: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mutate' as const), run: fc.constantFrom('r1', 'r2') }) },
);

type Store = ReturnType<typeof reference.createLogStore>;

function reads(s: Store, run: string, before: number, limit: number) {
  return {
    messages: s.getThreadMessages(run),
    events: s.getThreadEvents(run),
    count: s.getThreadRoundCount(run),
    rounds: s.getThreadRounds(run, { before, limit }),
  };
}

describe('thread caches', () => {
  it('give what the reference gives across appends, reads and mutated results', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 60 }), (ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'nerve-thread-cache-'));
        dirs.push(dir);
        const ref = reference.createLogStore(join(dir, 'ref', 'logs.db'));
        const our = ours.createLogStore(join(dir, 'ours', 'logs.db'));
        try {
          let ts = 1_700_000_000_000;
          for (const op of ops) {
            if (op.k === 'append') {
              const e = {
                source: 'workflow',
                type: op.msg ? 'thread_workflow_message' : 'thread_command_event',
                refId: op.run,
                payload: op.payload,
                timestamp: ts++,
              };
              ref.append(e);
              our.append(e);
            } else if (op.k === 'read') {
              expect(reads(our, op.run, op.before, op.limit)).toEqual(reads(ref, op.run, op.before, op.limit));
            } else {
              // A caller that edits what it got must not change what the next call returns.
              for (const m of our.getThreadMessages(op.run)) {
                m.content = 'edited';
                if (m.meta && typeof m.meta === 'object') (m.meta as Record<string, unknown>).edited = true;
              }
              for (const ev of our.getThreadEvents(op.run)) ev.type = 'edited';
            }
          }
          for (const run of ['r1', 'r2']) expect(reads(our, run, 0, 100)).toEqual(reads(ref, run, 0, 100));
        } finally {
          ref.close();
          our.close();
        }
      }),
      { seed: 77, numRuns: 60 },
    );
  });

  it.skipIf(!foreignSqlite)('follow another process deleting and rewriting rows while the store is open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nerve-thread-cache-'));
    dirs.push(dir);
    const dbPath = join(dir, 'logs.db');
    const our = ours.createLogStore(dbPath);
    try {
      for (let i = 0; i < 20; i++) {
        our.append({
          source: 'workflow',
          type: 'thread_workflow_message',
          refId: 'r',
          payload: JSON.stringify({ role: 'u', content: `m${i}` }),
          timestamp: i,
        });
      }
      expect(our.getThreadMessages('r')).toHaveLength(20);
      expect(our.getThreadRoundCount('r')).toBe(20);
      foreignSqlite!(
        dbPath,
        `DELETE FROM logs WHERE id % 2 = 0; UPDATE logs SET payload = '{"role":"x","content":"changed"}' WHERE id = 1; SELECT 1`,
      );
      const messages = our.getThreadMessages('r');
      expect(messages).toHaveLength(10);
      expect(messages[0].content).toBe('changed');
      expect(our.getThreadRoundCount('r')).toBe(10);
      expect(our.getThreadRounds('r', { before: 0, limit: 1 })[0].round).toBe(10);
    } finally {
      our.close();
    }
  });
});
