// Read-only open, the archive's reads and iterate, checked against a brute-force scan of every row
// ever appended (kept in JavaScript), for many filters, and in the crash case where a day file
// still has its rows in the database.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEntry, LogQuery } from '../../index.mjs';
import { createLogStore } from '../../index.mjs';
import { DAY, expectArgError, foreignSqlite, openStore, tempDir, thrown } from './helpers';

// The package's seeded generator (mulberry32), shared with the demo and the benchmark.
const { random } = createRequire(import.meta.url)('../../cli/random.js');

const JAN1 = 1_767_225_600_000;

const SOURCES = ['workflow', 'system', 'agent', '中文源'];
const TYPES = ['started', 'tick', 'message'];
function rows(n: number, seed: number, days: number): Omit<LogEntry, 'id'>[] {
  const r = random(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const kind = r();
    const payload =
      kind < 0.15
        ? null
        : kind < 0.3
          ? `not json "${i}" \\ \n 中文`
          : JSON.stringify({ i, text: '你好，世界', nested: { a: [1, null, { b: 'x"y' }] } });
    return {
      source: pick(SOURCES),
      type: pick(TYPES),
      refId: r() < 0.3 ? null : `run-${Math.floor(r() * 5)}`,
      payload,
      timestamp: JAN1 + Math.floor(r() * days * DAY),
    };
  });
}

/** What `query` would return over `all`, with its semantics. */
function truth(all: LogEntry[], f: LogQuery & Record<string, unknown>): LogEntry[] {
  const eq = (k: string, v: unknown) => !(k in f) || f[k] === undefined || (f[k] !== null && f[k] === v);
  const out = all
    .filter(
      (e) =>
        eq('source', e.source) &&
        eq('type', e.type) &&
        eq('refId', e.refId) &&
        (f.since === undefined || (f.since !== null && e.timestamp >= f.since)) &&
        (f.until === undefined || (f.until !== null && e.timestamp <= f.until)),
    )
    .sort((a, b) => (a.id as number) - (b.id as number));
  return f.limit !== undefined && f.limit >= 0 ? out.slice(0, f.limit) : out;
}

function filters(seed: number): (LogQuery & Record<string, unknown>)[] {
  const r = random(seed);
  const out: (LogQuery & Record<string, unknown>)[] = [{}, { refId: null }, { source: null }, { since: null }];
  for (let i = 0; i < 60; i++) {
    const f: Record<string, unknown> = {};
    if (r() < 0.4) f.source = SOURCES[Math.floor(r() * SOURCES.length)];
    if (r() < 0.3) f.type = TYPES[Math.floor(r() * TYPES.length)];
    if (r() < 0.3) f.refId = r() < 0.2 ? null : `run-${Math.floor(r() * 5)}`;
    if (r() < 0.5) f.since = JAN1 + Math.floor(r() * 12 * DAY);
    if (r() < 0.5) f.until = JAN1 + Math.floor(r() * 12 * DAY);
    if (r() < 0.3) f.limit = r() < 0.2 ? -1 : Math.floor(r() * 50);
    out.push(f as LogQuery);
  }
  return out;
}

async function collect(it: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const row of it) out.push(row);
  return out;
}

describe('archive reads and iterate against a brute-force scan', () => {
  it('readArchive, readArchiveAsync and iterate match the truth for many filters', async () => {
    const { store } = openStore();
    const all = store.appendMany(rows(3000, 12, 12));
    const archived = store.archiveLogs({ now: JAN1 + 8 * DAY, retentionMs: 0 });
    const cut = JAN1 + archived.days.length * DAY;
    const inArchive = all.filter((e) => e.timestamp < cut);
    expect(inArchive.length).toBeGreaterThan(1000);
    const ext = store as ReturnType<typeof createLogStore>;
    expect(ext.listArchiveDays().map((d) => d.day)).toEqual(archived.days.map((d) => d.day));
    for (const f of filters(7)) {
      const want = truth(inArchive, f);
      expect(ext.readArchive(f), JSON.stringify(f)).toEqual(want);
      expect(await ext.readArchiveAsync(f)).toEqual(want);
      // Archive rows then database rows; here every archived id is below no database id in
      // general, so compare as the union in that order.
      const both = truth(all, { ...f, limit: undefined });
      const fromArchive = both.filter((e) => e.timestamp < cut);
      const fromDb = both.filter((e) => e.timestamp >= cut);
      let expected = [...fromArchive, ...fromDb];
      if (f.limit !== undefined && f.limit >= 0) expected = expected.slice(0, f.limit);
      const got = await collect(
        ext.iterate(f, { includeArchive: true, batchSize: 1 + (JSON.stringify(f).length % 97) }),
      );
      expect(got, JSON.stringify(f)).toEqual(expected);
      expect(await collect(ext.iterate(f))).toEqual(
        truth(
          all.filter((e) => e.timestamp >= cut),
          f,
        ),
      );
    }
    // The objects have the reference's keys in its order.
    expect(Object.keys(ext.readArchive({ limit: 1 })[0])).toEqual([
      'id',
      'source',
      'type',
      'refId',
      'payload',
      'timestamp',
    ]);
  });

  it.skipIf(foreignSqlite === null)('a crash between rename and delete: each id once', async () => {
    const { store, dir, dbPath } = openStore();
    const all = store.appendMany(rows(500, 3, 6));
    const ext = store as ReturnType<typeof createLogStore>;
    ext.archiveLogs({ now: JAN1 + 3 * DAY, retentionMs: 0 });
    const inArchive = all.filter((e) => e.timestamp < JAN1 + 3 * DAY);
    ext.close();
    // Put the archived rows back with their ids, as if the delete had never committed.
    const sql = inArchive
      .map(
        (e) =>
          `INSERT INTO logs (id, source, type, ref_id, payload, timestamp) VALUES (${e.id}, ${q(e.source)}, ${q(e.type)}, ${q(e.refId)}, ${q(e.payload)}, ${e.timestamp})`,
      )
      .join(';');
    (foreignSqlite as NonNullable<typeof foreignSqlite>)(dbPath, sql);
    const again = createLogStore(dbPath, { readOnly: true });
    try {
      expect(again.query().length).toBe(500);
      expect(again.readArchive()).toEqual(truth(inArchive, {}));
      for (const batchSize of [1, 7, 1000]) {
        const got = await collect(again.iterate({}, { includeArchive: true, batchSize }));
        expect(got.map((e) => e.id).sort((a, b) => (a as number) - (b as number))).toEqual(all.map((e) => e.id));
      }
      const limited = await collect(again.iterate({ source: 'system', limit: 40 }, { includeArchive: true }));
      const rest = all.filter((e) => e.timestamp >= JAN1 + 3 * DAY);
      const order = [...truth(inArchive, { source: 'system' }), ...truth(rest, { source: 'system' })];
      expect(limited).toEqual(order.slice(0, 40));
    } finally {
      again.close();
    }
    expect(existsSync(join(dir, 'archive', 'logs'))).toBe(true);
  });
});

function q(v: string | null): string {
  return v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`;
}

/** Path → bytes and mtime of every file in `dir`. */
function files(dir: string): Record<string, [string, number]> {
  const out: Record<string, [string, number]> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
      else out[`${rel}${name}`] = [readFileSync(p).toString('base64'), st.mtimeMs];
    }
  };
  walk(dir, '');
  return out;
}

describe('readOnly', () => {
  it('beside a live writer: sees later commits; every write member throws; nothing changes on disk', async () => {
    const { store, dir, dbPath } = openStore();
    store.appendMany(rows(50, 1, 3));
    (store as ReturnType<typeof createLogStore>).archiveLogs({ now: JAN1 + 2 * DAY, retentionMs: 0 });
    const ro = createLogStore(dbPath, { readOnly: true });
    const before = ro.query().length;
    store.append(rows(1, 9, 1)[0]);
    expect(ro.query().length).toBe(before + 1);
    // A writer in another process.
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(__dirname, '../../index.js'))}).createLogStore(process.argv[1]).append({source:'c',type:'t',refId:null,payload:null,timestamp:1})`,
        dbPath,
      ],
      { encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(ro.query({ source: 'c' }).length).toBe(1);
    store.close();
    const snap = files(dir);
    const e = rows(1, 2, 1)[0];
    const run = { runId: 'r', workflow: 'w', status: 'queued' as const, timestamp: 1, exitCode: null };
    const sync: [string, () => unknown][] = [
      ['append', () => ro.append(e)],
      ['appendMany', () => ro.appendMany([e])],
      ['setMeta', () => ro.setMeta('k', 'v')],
      ['upsertWorkflowRun', () => ro.upsertWorkflowRun(e, run)],
      ['appendWithWorkflowUpdate', () => ro.appendWithWorkflowUpdate(e, run)],
      ['archiveLogs', () => ro.archiveLogs({ retentionMs: 0 })],
    ];
    for (const [name, call] of sync) {
      const err = thrown(call);
      expect(err.code, name).toBe('ERR_STORE_READ_ONLY');
      expect(err.message).toContain(name === 'appendWithWorkflowUpdate' ? 'appendWithWorkflowUpdate' : name);
    }
    for (const [name, call] of [
      ['appendAsync', () => ro.appendAsync(e)],
      ['archiveLogsAsync', () => ro.archiveLogsAsync({ retentionMs: 0 })],
    ] as const) {
      await expect(call(), name).rejects.toMatchObject({ code: 'ERR_STORE_READ_ONLY' });
    }
    expect(ro.readArchive().length).toBeGreaterThan(0);
    expect(ro.archivePlan({ retentionMs: 0 }).length).toBeGreaterThan(0);
    expect((await collect(ro.iterate({}, { includeArchive: true }))).length).toBe(52);
    ro.close();
    expect(files(dir)).toEqual(snap);
  });

  it('a missing database: ENOENT, nothing created; option types are checked by name', () => {
    const dir = tempDir();
    const err = thrown(() => createLogStore(join(dir, 'sub', 'logs.db'), { readOnly: true }));
    expect(err.code).toBe('ENOENT');
    expect(readdirSync(dir)).toEqual([]);
    const { dbPath, store } = openStore();
    expectArgError(() => createLogStore(dbPath, { readOnly: 'yes' as unknown as boolean }), 'options.readOnly');
    expectArgError(() => createLogStore(dbPath, 5 as unknown as { readOnly: boolean }), 'options');
    expectArgError(() => store.iterate({}, { batchSize: 0 }), 'options.batchSize', RangeError);
    expectArgError(() => store.iterate({}, { batchSize: 1.5 }), 'options.batchSize', RangeError);
    expectArgError(() => store.iterate({}, { includeArchive: 1 as unknown as boolean }), 'options.includeArchive');
    expectArgError(() => store.readArchive({ limit: 0.5 }), 'filter.limit', RangeError);
  });

  it('a copy of a closed data directory opens read-only and reads the same rows', () => {
    const { store, dbPath } = openStore();
    store.appendMany(rows(30, 5, 2));
    store.close();
    const copy = tempDir();
    copyFileSync(dbPath, join(copy, 'logs.db'));
    const ro = createLogStore(join(copy, 'logs.db'), { readOnly: true });
    expect(ro.query().length).toBe(30);
    ro.close();
    // SQLite makes the WAL index it needs beside a database it can write to (an empty -wal and
    // the -shm a later writer uses too); the database file itself is untouched.
    expect(readFileSync(join(copy, 'logs.db'))).toEqual(readFileSync(dbPath));
    for (const f of readdirSync(copy)) if (f.endsWith('-wal')) expect(statSync(join(copy, f)).size).toBe(0);
  });
});
