// After close(), this package's own members fail like the reference's do (code ERR_INVALID_STATE):
// the synchronous ones throw, the promise-returning ones reject (and never throw), every time,
// whatever was going on when the store was closed. The reference's own members are compared
// with the reference in __test__/parity/edges.spec.ts.
import { describe, expect, it } from 'vitest';
import { createLogStore } from '../../index.mjs';
import { DAY, entry, openStore, thrown } from './helpers';

type Store = ReturnType<typeof createLogStore>;
const JAN1 = Date.UTC(2026, 0, 1);

async function rejection(call: () => Promise<unknown>): Promise<Error & { code?: string }> {
  let p: Promise<unknown>;
  try {
    p = call();
  } catch (e) {
    throw new Error(`threw synchronously instead of rejecting: ${e}`);
  }
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

const message = (n: number) =>
  entry({
    source: 'workflow',
    type: 'thread_workflow_message',
    refId: 'r',
    payload: JSON.stringify({ role: 'user', content: `m${n}` }),
    timestamp: JAN1 + n,
  });
const event = (n: number) =>
  entry({
    source: 'workflow',
    type: 'thread_command_event',
    refId: 'r',
    payload: JSON.stringify({ type: 'tool', n }),
    timestamp: JAN1 + n,
  });

/** A store with rows, its thread caches warm and its group commit started, then closed. */
async function closedStore(): Promise<Store> {
  const { store } = openStore();
  store.appendMany([message(1), event(2), message(3)]);
  await store.appendAsync(message(4));
  store.getThreadMessages('r');
  store.getThreadEvents('r');
  store.getThreadRounds('r', { before: 0, limit: 5 });
  store.close();
  return store;
}

const syncCalls: Array<[string, (s: Store) => unknown]> = [
  ['appendMany', (s) => s.appendMany([message(9)])],
  ['appendMany([])', (s) => s.appendMany([])],
  ['getThreadMessages (cached before close)', (s) => s.getThreadMessages('r')],
  ['getThreadEvents (cached before close)', (s) => s.getThreadEvents('r')],
  ['getThreadRounds (indexed before close)', (s) => s.getThreadRounds('r', { before: 0, limit: 5 })],
  ['getThreadRoundCount', (s) => s.getThreadRoundCount('r')],
  ['close', (s) => s.close()],
];

const asyncCalls: Array<[string, (s: Store) => Promise<unknown>]> = [
  ['appendAsync', (s) => s.appendAsync(message(9))],
  ['queryAsync()', (s) => s.queryAsync()],
  ['queryAsync(filter)', (s) => s.queryAsync({ refId: 'r', limit: 2 })],
  ['archiveLogsAsync()', (s) => s.archiveLogsAsync()],
  ['archiveLogsAsync({ vacuum })', (s) => s.archiveLogsAsync({ now: JAN1 + 60 * DAY, vacuum: true })],
];

describe('after close()', () => {
  for (const [name, call] of syncCalls) {
    it(`${name} throws ERR_INVALID_STATE, every time`, async () => {
      const store = await closedStore();
      for (let i = 0; i < 2; i++) {
        const e = thrown(() => call(store));
        expect(e).toBeInstanceOf(Error);
        expect(e.code).toBe('ERR_INVALID_STATE');
      }
    });
  }

  for (const [name, call] of asyncCalls) {
    it(`${name} rejects with ERR_INVALID_STATE, every time`, async () => {
      const store = await closedStore();
      for (let i = 0; i < 2; i++) {
        const e = await rejection(() => call(store));
        expect(e).toBeInstanceOf(Error);
        expect(e.code).toBe('ERR_INVALID_STATE');
      }
    });
  }

  it('a store that never started its group commit rejects appendAsync the same way', async () => {
    const { store } = openStore();
    store.close();
    expect((await rejection(() => store.appendAsync(message(1)))).code).toBe('ERR_INVALID_STATE');
    expect(thrown(() => store.close()).code).toBe('ERR_INVALID_STATE');
  });

  it('closing one store leaves another on the same file working', async () => {
    const a = openStore();
    const b = createLogStore(a.dbPath);
    a.store.append(message(1));
    a.store.close();
    expect(b.append(message(2)).id).toBe(2);
    expect((await b.queryAsync()).map((r) => r.id)).toEqual([1, 2]);
    b.close();
  });
});

describe('close() while async calls are in flight', () => {
  it('close() with a queryAsync pending closes the store, and the query still settles', async () => {
    const { store } = openStore();
    store.appendMany([message(1), message(2)]);
    const pending = store.queryAsync();
    store.close();
    expect(thrown(() => store.close()).code).toBe('ERR_INVALID_STATE');
    const settled = await pending.then(
      (rows) => rows.length,
      (e) => e.code,
    );
    expect([2, 'ERR_INVALID_STATE']).toContain(settled);
  });

  it('appendAsync while a queryAsync is pending is taken like any other', async () => {
    const { store } = openStore();
    const pending = store.queryAsync();
    const appended = await store.appendAsync(message(1));
    expect(appended.id).toBe(1);
    await pending;
  });

  it('queries and archives in flight settle with their result or ERR_INVALID_STATE, appends with their id', async () => {
    const outcomes = { resolved: 0, closed: 0 };
    for (let round = 0; round < 20; round++) {
      const { store, dbPath } = openStore();
      store.appendMany(
        Array.from({ length: 300 }, (_, i) => entry({ payload: `{"i":${i}}`, timestamp: JAN1 + (i % 10) * DAY + i })),
      );
      const appends = Array.from({ length: 20 }, (_, i) =>
        store.appendAsync(entry({ timestamp: JAN1 + 20 * DAY + i })),
      );
      const others = Promise.allSettled([
        store.queryAsync(),
        store.archiveLogsAsync({ now: JAN1 + 40 * DAY, maxDays: 3 + (round % 5) }),
        store.queryAsync({ since: JAN1 }),
      ]);
      if (round % 2) await new Promise((r) => setImmediate(r));
      store.close();
      const appended = await Promise.all(appends);
      expect(new Set(appended.map((e) => e.id)).size).toBe(20);
      for (const r of await others) {
        if (r.status === 'fulfilled') outcomes.resolved += 1;
        else {
          expect((r.reason as { code?: string }).code).toBe('ERR_INVALID_STATE');
          outcomes.closed += 1;
        }
      }
      const again = createLogStore(dbPath);
      expect(again.query({ since: JAN1 + 20 * DAY }).length).toBe(20);
      again.close();
    }
    expect(outcomes.resolved + outcomes.closed).toBe(60);
  });
});
