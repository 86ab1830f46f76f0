// appendMany, appendAsync (group commit), queryAsync and archiveLogsAsync: each gives what its
// synchronous counterpart gives, fails the same way, and never loses an acknowledged row.
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogStore, type ExtendedLogStore } from '../../index.mjs';
import { DAY, entry, expectArgError, openStore, tempDir } from './helpers';

const require = createRequire(import.meta.url);
const { NativeLogStore, rowBatchLayout } = require('../../lib/native.js');
const { decodeRowsSliced } = require('../../lib/rows.js');
const JAN1 = Date.UTC(2026, 0, 1);

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

describe('appendMany', () => {
  it('stores every entry in order and returns them with ids, like append', () => {
    const { store } = openStore();
    const entries = [0, 1, 2].map((i) => entry({ type: `t${i}`, refId: i === 1 ? 'r' : null, timestamp: JAN1 + i }));
    const out = store.appendMany(entries);
    expect(out).toEqual(entries.map((e, i) => ({ ...e, id: i + 1 })));
    expect(out[0]).not.toBe(entries[0]);
    expect(store.query().map((r) => r.type)).toEqual(['t0', 't1', 't2']);
    expect(store.appendMany([])).toEqual([]);
  });

  it('stores nothing when one entry is bad, and names it', () => {
    const { store } = openStore();
    const bad = [entry(), entry({ timestamp: Number.NaN })];
    expectArgError(() => store.appendMany(bad), 'entries[1].timestamp', RangeError);
    expectArgError(() => store.appendMany([entry(), { ...entry(), source: 5 } as never]), 'entries[1].source');
    expectArgError(() => store.appendMany([null as never]), 'entries[0]');
    expectArgError(() => store.appendMany('nope' as never), 'entries');
    expect(store.query()).toEqual([]);
  });
});

describe('appendAsync', () => {
  it('resolves each entry with its id once stored, many in flight at once', async () => {
    const { store, dbPath } = openStore();
    const entries = Array.from({ length: 300 }, (_, i) => entry({ payload: `{"i":${i}}`, timestamp: JAN1 + i }));
    const out = await Promise.all(entries.map((e) => store.appendAsync(e)));
    expect(out.map((e) => e.payload)).toEqual(entries.map((e) => e.payload));
    expect(new Set(out.map((e) => e.id)).size).toBe(300);
    expect(out[5]).toEqual({ ...entries[5], id: out[5].id });
    store.close();
    const again = createLogStore(dbPath);
    expect(
      again
        .query()
        .map((r) => r.id)
        .sort((a, b) => a - b),
    ).toEqual(out.map((e) => e.id).sort((a, b) => a - b));
    again.close();
  });

  it('rejects a bad entry alone, with the synchronous error', async () => {
    const { store } = openStore();
    const good = store.appendAsync(entry({ type: 'ok' }));
    const bad = store.appendAsync(entry({ timestamp: Number.POSITIVE_INFINITY }));
    const wrong = store.appendAsync({ ...entry(), type: 3 } as never);
    const after = store.appendAsync(entry({ type: 'ok2' }));
    expect((await rejection(bad)).code).toBe('ERR_OUT_OF_RANGE');
    const e = await rejection(wrong);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('"entry.type"');
    expect((await good).type).toBe('ok');
    expect((await after).type).toBe('ok2');
    expect(store.query().map((r) => r.type)).toEqual(['ok', 'ok2']);
  });

  it('close() commits what is in flight; later calls reject as closed', async () => {
    const { store, dbPath } = openStore();
    const pending = Array.from({ length: 50 }, (_, i) => store.appendAsync(entry({ timestamp: JAN1 + i })));
    store.close();
    const done = await Promise.all(pending);
    expect(done).toHaveLength(50);
    const e = await rejection(store.appendAsync(entry()));
    expect(e.code).toBe('ERR_INVALID_STATE');
    const again = createLogStore(dbPath);
    expect(again.query()).toHaveLength(50);
    again.close();
  });
});

describe('queryAsync', () => {
  it('returns what query returns', async () => {
    const { store } = openStore();
    store.appendMany(
      Array.from({ length: 500 }, (_, i) =>
        entry({
          source: i % 2 ? 'a' : 'b',
          refId: i % 3 ? `r${i % 7}` : null,
          payload: i % 5 ? `{"n":${i},"s":"é✓"}` : null,
          timestamp: JAN1 + i,
        }),
      ),
    );
    for (const filter of [
      undefined,
      { source: 'a' },
      { refId: 'r3', limit: 10 },
      { since: JAN1 + 100, until: JAN1 + 200 },
    ]) {
      expect(await store.queryAsync(filter)).toEqual(store.query(filter));
    }
  });

  it('builds a large result a slice at a time, the event loop turning between slices', async () => {
    const { store, dbPath } = openStore();
    // 200k rows over 8 text chunks, some of them UTF-16 (a non-ASCII payload), NULL payloads.
    for (let i = 0; i < 200_000; i += 20_000) {
      store.appendMany(
        Array.from({ length: 20_000 }, (_, j) =>
          entry({
            refId: j % 3 ? `r${j % 11}` : null,
            payload: j % 7 === 0 ? null : `{"n":${i + j},"w":"${(i + j) % 5000 === 0 ? 'é✓' : 'plain words'}"}`,
            timestamp: JAN1 + ((i + j) % 3) * DAY + j,
          }),
        ),
      );
    }
    const native = new NativeLogStore(dbPath);
    const batch = await native.queryAsync({});
    expect(batch.texts).toBeDefined();
    const { columns: width } = rowBatchLayout();
    const chunks = new Set(Array.from({ length: batch.length }, (_, i) => batch.columns[i * width + width - 1]));
    expect(chunks.size).toBeGreaterThan(4);
    // Only the building runs now: the loop turns only if it yields.
    let turns = 0;
    let building = true;
    const spin = () => {
      turns++;
      if (building) setImmediate(spin);
    };
    setImmediate(spin);
    const rows = await decodeRowsSliced(batch);
    building = false;
    expect(turns).toBeGreaterThan(1);
    expect(rows).toEqual(store.query());
    native.close();
    expect(await store.queryAsync({ refId: 'r5' })).toEqual(store.query({ refId: 'r5' }));
    store.archiveLogs({ now: JAN1 + 3 * DAY, retentionMs: 0 });
    const ext = store as ExtendedLogStore;
    expect(await ext.readArchiveAsync()).toEqual(ext.readArchive());
  });

  it('rejects with the synchronous errors', async () => {
    const { store } = openStore();
    const e = await rejection(store.queryAsync({ source: 1 } as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('"filter.source"');
    store.close();
    expect((await rejection(store.queryAsync())).code).toBe('ERR_INVALID_STATE');
  });
});

describe('archiveLogsAsync', () => {
  it('archives exactly what archiveLogs archives', async () => {
    const a = openStore();
    a.store.appendMany(
      Array.from({ length: 400 }, (_, i) =>
        entry({ payload: `{"i":${i}}`, timestamp: JAN1 + Math.floor(i / 100) * DAY + i }),
      ),
    );
    a.store.close();
    const b = { dir: tempDir() };
    copyFileSync(a.dbPath, join(b.dir, 'logs.db'));
    const sync = createLogStore(a.dbPath);
    const async = createLogStore(join(b.dir, 'logs.db'));
    const opts = { now: JAN1 + 40 * DAY, maxDays: 3 };
    const r1 = sync.archiveLogs(opts);
    const r2 = await async.archiveLogsAsync(opts);
    expect(r2.days.map((d) => [d.day, d.rowCount])).toEqual(r1.days.map((d) => [d.day, d.rowCount]));
    expect(r2.vacuumed).toBe(false);
    expect(async.query()).toEqual(sync.query());
    const files = (dir: string) => readdirSync(join(dir, 'archive', 'logs')).sort();
    expect(files(b.dir)).toEqual(files(a.dir));
    for (const f of files(a.dir)) {
      expect(readFileSync(join(b.dir, 'archive', 'logs', f), 'utf8')).toBe(
        readFileSync(join(a.dir, 'archive', 'logs', f), 'utf8'),
      );
    }
    sync.close();
    async.close();
  });

  it('rejects bad options with a TypeError naming them', async () => {
    const { store } = openStore();
    const e = await rejection(store.archiveLogsAsync({ now: 'soon' } as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('"options.now"');
  });
});
