import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../index.mjs';
import { createLogStore } from '../../index.mjs';
import { entry, expectArgError, foreignSqlite, openStore, run, tempDir, thrown } from './helpers';

describe('createLogStore', () => {
  it('creates the parent directories and the database in WAL mode', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'a', 'b', 'logs.db');
    const s = createLogStore(dbPath);
    s.append(entry());
    expect(readdirSync(join(dir, 'a', 'b')).sort()).toEqual(['logs.db', 'logs.db-shm', 'logs.db-wal']);
    s.close();
  });

  it('reopens an existing database with its content', () => {
    const { store, dbPath } = openStore();
    store.append(entry({ payload: 'kept' }));
    store.setMeta('k', 'v');
    store.close();
    const again = createLogStore(dbPath);
    expect(again.query().map((r) => r.payload)).toEqual(['kept']);
    expect(again.getMeta('k')).toBe('v');
    again.close();
  });

  it('accepts :memory:', () => {
    const s = createLogStore(':memory:');
    expect(s.append(entry()).id).toBe(1);
    expect(s.query()).toHaveLength(1);
    s.close();
  });

  it('rejects a non-string path with a TypeError naming dbPath', () => {
    expectArgError(() => createLogStore(5 as any), 'dbPath');
    expectArgError(() => createLogStore(undefined as any), 'dbPath');
  });

  it.skipIf(foreignSqlite === null)(
    'writes the reference schema (tables, columns, indexes, AUTOINCREMENT, WAL)',
    () => {
      const { store, dbPath } = openStore();
      store.append(entry());
      store.close();
      const sql = foreignSqlite!;
      const objects = sql(
        dbPath,
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
      ) as Array<{
        type: string;
        name: string;
      }>;
      expect(objects).toEqual([
        { type: 'index', name: 'idx_logs_ref_id' },
        { type: 'index', name: 'idx_logs_source_type' },
        { type: 'index', name: 'idx_logs_timestamp' },
        { type: 'index', name: 'idx_workflow_runs_status' },
        { type: 'index', name: 'idx_workflow_runs_workflow' },
        { type: 'table', name: 'logs' },
        { type: 'table', name: 'meta' },
        { type: 'table', name: 'sqlite_sequence' },
        { type: 'table', name: 'workflow_runs' },
      ]);
      const cols = (t: string) =>
        (sql(dbPath, `PRAGMA table_info(${t})`) as Array<{ name: string }>).map((c) => c.name);
      expect(cols('logs')).toEqual(['id', 'source', 'type', 'ref_id', 'payload', 'timestamp']);
      expect(cols('meta')).toEqual(['key', 'value']);
      expect(cols('workflow_runs')).toEqual(['run_id', 'workflow', 'status', 'timestamp', 'exit_code']);
      expect(sql(dbPath, 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    },
  );

  it.skipIf(foreignSqlite === null)('migrates a legacy workflow_runs table without exit_code', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'logs.db');
    foreignSqlite!(
      dbPath,
      `CREATE TABLE workflow_runs (run_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, timestamp INTEGER NOT NULL);
       INSERT INTO workflow_runs VALUES ('old', 'wf', 'completed', 5)`,
    );
    const s = createLogStore(dbPath);
    expect(s.getWorkflowRun('old')).toEqual({
      runId: 'old',
      workflow: 'wf',
      status: 'completed',
      timestamp: 5,
      exitCode: null,
    });
    s.upsertWorkflowRun(entry(), run({ runId: 'new', status: 'failed', exitCode: 3 }));
    expect(s.getWorkflowRun('new')?.exitCode).toBe(3);
    s.close();
    // Opening again (the ALTER TABLE now fails) is fine too.
    const again = createLogStore(dbPath);
    expect(again.getAllWorkflowRuns(null)).toHaveLength(2);
    again.close();
  });
});

describe('values another writer stored', () => {
  it.skipIf(foreignSqlite === null)('come back as node:sqlite returns them: BLOB as Uint8Array, text as text', () => {
    const { store, dbPath } = openStore();
    foreignSqlite!(
      dbPath,
      `INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES ('s', 't', x'0102', x'7b7d', '12abc');
       INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES (5, 't', 7, 1.5, 3);
       INSERT INTO meta VALUES ('blob', x'6869');
       INSERT INTO meta VALUES ('num', 5);
       INSERT INTO workflow_runs VALUES ('r1', 'w', 'failed', '99x', 'abc')`,
    );
    const [a, b] = store.query() as unknown as Array<Record<string, unknown>>;
    expect(a!.refId).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(a!.refId)).toBe(false);
    expect([...(a!.refId as Uint8Array)]).toEqual([1, 2]);
    expect([...(a!.payload as Uint8Array)]).toEqual([0x7b, 0x7d]);
    expect(a!.timestamp).toBe('12abc');
    expect(b).toEqual({ id: 2, source: '5', type: 't', refId: '7', payload: '1.5', timestamp: 3 });
    const blob = store.getMeta('blob') as unknown;
    expect(blob).toBeInstanceOf(Uint8Array);
    expect([...(blob as Uint8Array)]).toEqual([0x68, 0x69]);
    expect(store.getMeta('num')).toBe('5');
    expect(store.getWorkflowRun('r1')).toEqual({
      runId: 'r1',
      workflow: 'w',
      status: 'failed',
      timestamp: '99x',
      exitCode: 'abc',
    });
  });
});

describe('append', () => {
  it('returns {...entry, id}: the entry own keys in their order, then id', () => {
    const { store } = openStore();
    const e = { timestamp: 5, payload: 'p', type: 't', refId: 'r', source: 's' };
    const out = store.append(e);
    expect(out).toEqual({ ...e, id: 1 });
    expect(Object.keys(out)).toEqual(['timestamp', 'payload', 'type', 'refId', 'source', 'id']);
    expect(out).not.toBe(e);
    expect(e).not.toHaveProperty('id');
  });

  it('an entry that already has id keeps its key position and gets the new id', () => {
    const { store } = openStore();
    store.append(entry());
    const out = store.append({ id: 99, ...entry({ payload: 'x' }) } as Omit<LogEntry, 'id'>);
    expect(Object.keys(out)).toEqual(['id', 'source', 'type', 'refId', 'payload', 'timestamp']);
    expect(out.id).toBe(2);
    expect(store.query().map((r) => r.id)).toEqual([1, 2]);
  });

  it('keeps extra own properties in the return value but stores only the columns', () => {
    const { store } = openStore();
    const out = store.append({ ...entry(), extra: { deep: true } } as Omit<LogEntry, 'id'>);
    expect(out).toEqual({ ...entry(), extra: { deep: true }, id: 1 });
    expect(store.query()[0]).toEqual({ id: 1, ...entry() });
  });

  it('reads fields by property access (inherited values are stored, the spread copies own keys only)', () => {
    const { store } = openStore();
    const proto = { source: 'inherited', type: 't', refId: null, payload: null, timestamp: 3 };
    const out = store.append(Object.create(proto));
    expect(out).toEqual({ id: 1 });
    expect(store.query()[0]).toEqual({
      id: 1,
      source: 'inherited',
      type: 't',
      refId: null,
      payload: null,
      timestamp: 3,
    });
  });

  it('ids increase and are never reused (AUTOINCREMENT), even after every row is archived', () => {
    const { store } = openStore();
    expect(store.append(entry({ timestamp: 0 })).id).toBe(1);
    expect(store.append(entry({ timestamp: 0 })).id).toBe(2);
    store.archiveLogs({ now: 10 * 86_400_000, retentionMs: 0 });
    expect(store.query()).toEqual([]);
    expect(store.append(entry()).id).toBe(3);
  });

  it('stores strings exactly (unicode, empty, quotes, control characters)', () => {
    const { store } = openStore();
    const weird = ['', 'é\u2028\u2029"\\', '\u0001\u001f\u007f', '😀', 'a'.repeat(100_000)];
    for (const w of weird) store.append(entry({ source: w, type: w, refId: w, payload: w }));
    expect(store.query().map((r) => [r.source, r.type, r.refId, r.payload])).toEqual(weird.map((w) => [w, w, w, w]));
  });

  it('text is read back up to its first NUL, as node:sqlite reads it (the filter still sees it whole)', () => {
    const { store } = openStore();
    for (const w of ['\u0000nul', 'a\u0000b', 'ab\u0000'])
      store.append(entry({ source: w, type: w, refId: w, payload: w }));
    expect(store.query().map((r) => [r.source, r.type, r.refId, r.payload])).toEqual([
      ['', '', '', ''],
      ['a', 'a', 'a', 'a'],
      ['ab', 'ab', 'ab', 'ab'],
    ]);
    expect(store.query({ source: 'a\u0000b' }).map((r) => r.id)).toEqual([2]);
    expect(store.query({ source: 'a' })).toEqual([]);
    store.setMeta('k', 'x\u0000y');
    expect(store.getMeta('k')).toBe('x');
  });

  it('lone surrogates are stored as U+FFFD (as node:sqlite binds them)', () => {
    const { store } = openStore();
    store.append(entry({ payload: 'a\ud800b' }));
    expect(store.query()[0].payload).toBe('a\ufffdb');
  });
});

describe('bind semantics', () => {
  it('fractional timestamps stay numbers, integers stay integers, -0 reads back as 0', () => {
    const { store } = openStore();
    for (const ts of [1.5, 2, -7, 1e-300, -0, 0.1 + 0.2, 8.64e15, -8.64e15]) store.append(entry({ timestamp: ts }));
    const got = store.query().map((r) => r.timestamp);
    expect(got).toEqual([1.5, 2, -7, 1e-300, 0, 0.1 + 0.2, 8.64e15, -8.64e15]);
    expect(Object.is(got[4], 0)).toBe(true);
  });

  it.skipIf(foreignSqlite === null)('integers bind as INTEGER and other numbers as REAL', () => {
    const { store, dbPath } = openStore();
    store.append(entry({ timestamp: 2 }));
    store.append(entry({ timestamp: 2.5 }));
    store.upsertWorkflowRun(entry(), run({ runId: 'a', timestamp: 1.5, exitCode: 1 }));
    store.upsertWorkflowRun(entry(), run({ runId: 'b', timestamp: 2, exitCode: 1.25 }));
    store.close();
    expect(foreignSqlite!(dbPath, 'SELECT typeof(timestamp) AS t FROM logs ORDER BY id LIMIT 2')).toEqual([
      { t: 'integer' },
      { t: 'real' },
    ]);
    expect(
      foreignSqlite!(
        dbPath,
        'SELECT typeof(timestamp) AS t, typeof(exit_code) AS e FROM workflow_runs ORDER BY run_id',
      ),
    ).toEqual([
      { t: 'real', e: 'integer' },
      { t: 'integer', e: 'real' },
    ]);
  });

  it('null refId and payload are stored as NULL', () => {
    const { store } = openStore();
    store.append(entry({ refId: null, payload: null }));
    expect(store.query()[0]).toMatchObject({ refId: null, payload: null });
  });
});

describe('query', () => {
  function seeded() {
    const { store } = openStore();
    // ids 1..6 with timestamps out of order
    const rows: Array<Omit<LogEntry, 'id'>> = [
      entry({ source: 'a', type: 'x', refId: 'r1', timestamp: 50 }),
      entry({ source: 'b', type: 'x', refId: null, timestamp: 10 }),
      entry({ source: 'a', type: 'y', refId: 'r2', timestamp: 30 }),
      entry({ source: 'a', type: 'x', refId: 'r1', timestamp: 20 }),
      entry({ source: 'c', type: 'z', refId: 'r3', timestamp: 40.5 }),
      entry({ source: 'a', type: 'x', refId: null, timestamp: 30 }),
    ];
    for (const r of rows) store.append(r);
    return store;
  }
  const ids = (rows: LogEntry[]) => rows.map((r) => r.id);

  it('returns every row by id ascending with keys id, source, type, refId, payload, timestamp', () => {
    const store = seeded();
    const rows = store.query();
    expect(ids(rows)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const r of rows) expect(Object.keys(r)).toEqual(['id', 'source', 'type', 'refId', 'payload', 'timestamp']);
    expect(store.query({})).toEqual(rows);
    expect(store.query(undefined)).toEqual(rows);
  });

  it('filters by source, type and refId together', () => {
    const store = seeded();
    expect(ids(store.query({ source: 'a' }))).toEqual([1, 3, 4, 6]);
    expect(ids(store.query({ source: 'a', type: 'x' }))).toEqual([1, 4, 6]);
    expect(ids(store.query({ source: 'a', type: 'x', refId: 'r1' }))).toEqual([1, 4]);
    expect(ids(store.query({ type: 'nope' }))).toEqual([]);
  });

  it('undefined fields do not filter; null fields match nothing', () => {
    const store = seeded();
    expect(
      ids(
        store.query({
          source: undefined,
          type: undefined,
          refId: undefined,
          since: undefined,
          until: undefined,
          limit: undefined,
        }),
      ),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    expect(store.query({ refId: null } as any)).toEqual([]);
    expect(store.query({ source: null } as any)).toEqual([]);
    expect(store.query({ since: null } as any)).toEqual([]);
  });

  it('since and until are inclusive and compare numerically, fractions included', () => {
    const store = seeded();
    expect(ids(store.query({ since: 30 }))).toEqual([1, 3, 5, 6]);
    expect(ids(store.query({ until: 30 }))).toEqual([2, 3, 4, 6]);
    expect(ids(store.query({ since: 20, until: 30 }))).toEqual([3, 4, 6]);
    expect(ids(store.query({ since: 40.5, until: 40.5 }))).toEqual([5]);
    expect(ids(store.query({ since: 40.50001 }))).toEqual([1]);
    expect(ids(store.query({ since: 31, until: 29 }))).toEqual([]);
  });

  it('limit: positive caps, 0 returns none, negative means no limit', () => {
    const store = seeded();
    expect(ids(store.query({ limit: 2 }))).toEqual([1, 2]);
    expect(ids(store.query({ source: 'a', limit: 3 }))).toEqual([1, 3, 4]);
    expect(store.query({ limit: 0 })).toEqual([]);
    expect(store.query({ limit: -0 })).toEqual([]);
    expect(ids(store.query({ limit: -1 }))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids(store.query({ limit: -100, since: 40 }))).toEqual([1, 5]);
    expect(ids(store.query({ limit: 1000 }))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a limit that is not a safe integer is refused by name; the limit is always bound, never SQL text', async () => {
    // The reference splices `LIMIT ${limit}` into its SQL, so there 1.5 is SQLite's "datatype
    // mismatch" and NaN "no such column: NaN". Here: a RangeError naming the argument.
    const store = seeded();
    for (const limit of [1.5, -1.5, 1e-7, 1e21, 2 ** 53, -(2 ** 53), 2 ** 63, Number.NaN, Infinity, -Infinity]) {
      expectArgError(() => store.query({ limit }), 'filter.limit', RangeError);
      expect(thrown(() => store.query({ source: 'a', since: 0, limit })).code, String(limit)).toBe('ERR_OUT_OF_RANGE');
      await expect(store.queryAsync({ limit }), String(limit)).rejects.toBeInstanceOf(RangeError);
    }
    expect(thrown(() => store.query({ limit: Number.NaN })).message).toBe(
      'The value of "filter.limit" is out of range. It must be a safe integer (negative for no limit). Received NaN',
    );
    expect(store.query({ limit: Number.MAX_SAFE_INTEGER })).toHaveLength(6);
    expect(store.query({ limit: -Number.MAX_SAFE_INTEGER })).toHaveLength(6);
    expect(ids(store.query({ source: 'a', since: 0, limit: 2 }))).toEqual([1, 3]);
  });

  it('ignores unknown filter keys', () => {
    const store = seeded();
    expect(ids(store.query({ bogus: 1 } as any))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('returns fresh objects each call', () => {
    const store = seeded();
    const a = store.query();
    a[0].source = 'mutated';
    expect(store.query()[0].source).toBe('a');
  });
});

describe('meta', () => {
  it('getMeta is null until set; setMeta inserts and overwrites', () => {
    const { store } = openStore();
    expect(store.getMeta('k')).toBeNull();
    store.setMeta('k', 'v1');
    expect(store.getMeta('k')).toBe('v1');
    store.setMeta('k', '');
    expect(store.getMeta('k')).toBe('');
    store.setMeta('', 'empty key');
    expect(store.getMeta('')).toBe('empty key');
    expect(store.getMeta('K')).toBeNull();
  });

  it('rejects non-string keys and values, storing nothing', () => {
    const { store } = openStore();
    expectArgError(() => store.getMeta(5 as any), 'key');
    expectArgError(() => store.setMeta(5 as any, 'v'), 'key');
    expectArgError(() => store.setMeta('k', null as any), 'value');
    expectArgError(() => store.setMeta('k', 5 as any), 'value');
    expectArgError(() => store.setMeta('k', undefined as any), 'value');
    expect(store.getMeta('k')).toBeNull();
  });
});

describe('bad input to append and query', () => {
  const bad: Array<[string, Record<string, unknown>, string, typeof TypeError | typeof RangeError]> = [
    ['number source', { source: 5 }, 'entry.source', TypeError],
    ['null source', { source: null }, 'entry.source', TypeError],
    ['missing type', { type: undefined }, 'entry.type', TypeError],
    ['number refId', { refId: 5 }, 'entry.refId', TypeError],
    ['undefined refId', { refId: undefined }, 'entry.refId', TypeError],
    ['object payload', { payload: { a: 1 } }, 'entry.payload', TypeError],
    ['undefined payload', { payload: undefined }, 'entry.payload', TypeError],
    ['string timestamp', { timestamp: '1' }, 'entry.timestamp', TypeError],
    ['bigint timestamp', { timestamp: 5n }, 'entry.timestamp', TypeError],
    ['null timestamp', { timestamp: null }, 'entry.timestamp', TypeError],
    ['NaN timestamp', { timestamp: Number.NaN }, 'entry.timestamp', RangeError],
    ['Infinity timestamp', { timestamp: Infinity }, 'entry.timestamp', RangeError],
    ['unsafe integer timestamp', { timestamp: 2 ** 53 }, 'entry.timestamp', RangeError],
  ];
  for (const [name, over, arg, ctor] of bad) {
    it(`append with ${name} throws naming ${arg} and stores nothing`, () => {
      const { store } = openStore();
      expectArgError(() => store.append({ ...entry(), ...over } as any), arg, ctor);
      expect(store.query()).toEqual([]);
    });
  }

  it('append of a non-object throws naming entry', () => {
    const { store } = openStore();
    expectArgError(() => store.append(null as any), 'entry');
    expectArgError(() => store.append('x' as any), 'entry');
    expectArgError(() => (store.append as any)(), 'entry');
    expect(store.query()).toEqual([]);
  });

  it('query with wrong types throws naming the field', () => {
    const { store } = openStore();
    expectArgError(() => store.query('x' as any), 'filter');
    expectArgError(() => store.query(null as any), 'filter');
    expectArgError(() => store.query({ source: 5 } as any), 'filter.source');
    expectArgError(() => store.query({ type: true } as any), 'filter.type');
    expectArgError(() => store.query({ refId: {} } as any), 'filter.refId');
    expectArgError(() => store.query({ since: '1' } as any), 'filter.since');
    expectArgError(() => store.query({ until: 1n } as any), 'filter.until');
    expectArgError(() => store.query({ limit: '1' } as any), 'filter.limit');
  });
});

describe('close', () => {
  const E = entry();
  const R = run();
  const calls: Array<[string, (s: ReturnType<typeof createLogStore>) => unknown]> = [
    ['append', (s) => s.append(E)],
    ['query', (s) => s.query()],
    ['query with filter', (s) => s.query({ source: 'a', limit: 1 })],
    ['getMeta', (s) => s.getMeta('k')],
    ['setMeta', (s) => s.setMeta('k', 'v')],
    ['upsertWorkflowRun', (s) => s.upsertWorkflowRun(E, R)],
    ['appendWithWorkflowUpdate', (s) => s.appendWithWorkflowUpdate(E, R)],
    ['getWorkflowRun', (s) => s.getWorkflowRun('r')],
    ['getActiveWorkflowRuns', (s) => s.getActiveWorkflowRuns()],
    ['getActiveWorkflowRuns(name)', (s) => s.getActiveWorkflowRuns('wf')],
    ['getAllWorkflowRuns', (s) => s.getAllWorkflowRuns(null)],
    ['getTriggerPayload', (s) => s.getTriggerPayload('r')],
    ['getThreadEvents', (s) => s.getThreadEvents('r')],
    ['getThreadMessages', (s) => s.getThreadMessages('r')],
    ['getThreadRoundCount', (s) => s.getThreadRoundCount('r')],
    ['getThreadRounds', (s) => s.getThreadRounds('r', { before: 0, limit: 5 })],
    ['archiveLogs', (s) => s.archiveLogs()],
    ['archiveLogs({vacuum})', (s) => s.archiveLogs({ vacuum: true })],
    ['close (second time)', (s) => s.close()],
  ];
  for (const [name, call] of calls) {
    it(`after close(), ${name} throws ERR_INVALID_STATE`, () => {
      const { store } = openStore();
      store.append(entry());
      store.close();
      const err = thrown(() => call(store));
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe('ERR_INVALID_STATE');
    });
  }

  it('every call keeps throwing after close (not only the first)', () => {
    const { store } = openStore();
    store.close();
    for (let i = 0; i < 3; i++) {
      expect(thrown(() => store.close()).code).toBe('ERR_INVALID_STATE');
      expect(thrown(() => store.query()).code).toBe('ERR_INVALID_STATE');
    }
  });

  it('getThreadRounds with limit < 1 returns [] without touching the database, as the reference does', () => {
    const { store } = openStore();
    store.close();
    expect(store.getThreadRounds('r', { before: 0, limit: 0 })).toEqual([]);
  });

  it('close() makes the data durable and the file reopenable', () => {
    const { store, dbPath, dir } = openStore();
    store.append(entry());
    store.close();
    expect(existsSync(dbPath)).toBe(true);
    expect(readdirSync(dir)).toContain('logs.db');
    const again = createLogStore(dbPath);
    expect(again.query()).toHaveLength(1);
    again.close();
  });
});
