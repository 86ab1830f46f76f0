// search with includeArchive against a JavaScript scan of every row, the database's and the
// archive's: the same ids in the same order on every page of the cursor, with filters and windows
// over archived days, each row once when it is in a day file and in the database, and the
// option's errors.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExtendedLogStore, LogEntry } from '../../index.mjs';
import { createLogStore } from '../../index.mjs';
import { DAY, openStore, tempDir } from '../native/helpers';
import { matches, rng, rowTokens } from './truth';

const WORDS = ['disk', 'full', 'error', 'timeout', 'Café', 'ENOSPC', 'Überweisung', 'NEAR', 'OR', 'retry'];
const CJK = ['数据库连接错误', '磁盘已满', '请求超时后重试', 'ディスク容量不足', '연결 오류'];
const START = Date.UTC(2026, 0, 1);
const DAYS = 6;

/** JSON text as a writer that escapes every non-ASCII character spells it. */
const asciiJson = (v: unknown) =>
  JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Rows over DAYS UTC days, ids rising with time, payloads in the spellings other writers use too. */
function generate(n: number, seed = 5): Omit<LogEntry, 'id'>[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)] as T;
  const w = () => `${pick(WORDS)} ${pick(WORDS)}`;
  return Array.from({ length: n }, (_, i) => {
    let payload: string | null;
    switch (i % 6) {
      case 0:
        payload = JSON.stringify({ msg: w(), n: i, deep: { list: [pick(CJK), 1, { disk: w() }] } });
        break;
      case 1:
        payload = `plain ${w()} at /var/log/x${i % 7}.log`;
        break;
      case 2:
        payload = asciiJson({ runId: `run-mwrh${i % 13}-live`, text: `${pick(CJK)} ${w()}` });
        break;
      case 3:
        payload = null;
        break;
      case 4:
        payload = JSON.stringify(`said "${w()}" \\ ${pick(CJK)}`);
        break;
      default:
        payload = `ca\u0301fe ${w()} \u212Aelvin`;
    }
    return {
      source: pick(['daemon', 'workflow']),
      type: pick(['event', 'error']),
      refId: i % 3 ? `run-${i % 9}` : null,
      payload,
      timestamp: START + Math.floor((i * DAYS * DAY) / n),
    };
  });
}

type Store = ExtendedLogStore;
type Truth = LogEntry & { toks: string[] };

/** A store holding `n` generated rows, the days before the last `keep` archived. */
function seeded(n = 1_800, keep = 2) {
  const { store, dir, dbPath } = openStore();
  const rows = generate(n);
  const ids = store.appendMany(rows).map((e) => e.id);
  const truth: Truth[] = rows.map((e, i) => ({ ...e, id: ids[i] as number, toks: rowTokens(e) }));
  const archived = (store as Store).archiveLogs({ now: START + (DAYS - keep) * DAY, retentionMs: 0 });
  return { store: store as Store, dir, dbPath, truth, archived };
}

function allPages(store: Store, text: string, options: Record<string, unknown> = {}): number[] {
  const ids: number[] = [];
  let before: unknown;
  for (;;) {
    const { entries, next } = store.search(text, { includeArchive: true, ...options, before });
    ids.push(...entries.map((e: LogEntry) => e.id));
    if (next === null) return ids;
    before = next;
  }
}

const newest = (rows: Truth[], q: string) =>
  rows
    .filter((t) => matches(t.toks, q))
    .map((t) => t.id)
    .reverse();

const QUERIES = [
  'disk',
  'cafe',
  'CAFÉ',
  'kelvin',
  'überweisung',
  'disk full',
  '错误',
  '数据库连接',
  '容量',
  '오류',
  'run-mwrh3-live',
  '/var/log/x3.log',
  'NEAR OR',
  '"disk" said',
];

describe('search with includeArchive against a scan of every row', () => {
  it('finds the same rows, newest first, on every page', () => {
    const { store, truth, archived } = seeded();
    expect(archived.days.length).toBe(DAYS - 2);
    const hot = new Set(store.query().map((e) => e.id));
    expect(hot.size).toBeGreaterThan(0);
    expect(hot.size).toBeLessThan(truth.length / 2);
    for (const q of QUERIES) {
      const expected = newest(truth, q);
      expect(expected.filter((id) => !hot.has(id)).length, q).toBeGreaterThan(0);
      expect(allPages(store, q, { limit: 17 }), q).toEqual(expected);
      // Without the option, the database's rows alone.
      const hotOnly = expected.filter((id) => hot.has(id));
      expect(allPages(store, q, { includeArchive: false, limit: 50 }), q).toEqual(hotOnly);
    }
    // One row a page: every cursor, across the archive's last day and the database's first.
    expect(allPages(store, 'timeout', { limit: 1 })).toEqual(newest(truth, 'timeout'));
  });

  it('applies the filters and windows over archived days as query does', () => {
    const { store, truth } = seeded();
    const windows = [
      { source: 'daemon', type: 'error', limit: 9 },
      { since: START + DAY + 3_600_000, until: START + 4 * DAY + 60_000, limit: 7 },
      { refId: 'run-4', since: START + 2 * DAY, limit: 5 },
      { refId: null, until: START + 3 * DAY - 1, limit: 11 },
      { source: null },
    ];
    for (const w of windows) {
      const keep = (t: Truth) =>
        (w.source === undefined || t.source === w.source) &&
        (w.type === undefined || t.type === w.type) &&
        (w.refId === undefined || (w.refId !== null && t.refId === w.refId)) &&
        (w.since === undefined || t.timestamp >= w.since) &&
        (w.until === undefined || t.timestamp <= w.until) &&
        w.source !== null;
      for (const q of ['disk', '错误', 'cafe']) {
        expect(allPages(store, q, w), `${q} ${JSON.stringify(w)}`).toEqual(newest(truth.filter(keep), q));
      }
    }
  });

  it('gives FTS syntax the answer the index gives with every row in the database', () => {
    const { store, truth } = seeded();
    const { store: all } = openStore();
    all.appendMany(truth.map(({ id: _id, toks: _t, ...e }) => e));
    for (const q of ['disk OR 错误', 'caf* NOT retry', 'NEAR(disk full, 2)', '"磁盘" AND timeout', 'kelvin']) {
      const index = allPages(all as Store, q, { syntax: 'fts', includeArchive: false, limit: 10_000 });
      expect(index.length, q).toBeGreaterThan(0);
      expect(allPages(store, q, { syntax: 'fts', limit: 13 }), q).toEqual(index);
    }
  });

  it('returns a row once when it is in a day file and still in the database (a crash)', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'logs.db');
    const rows = generate(900);
    const store = createLogStore(dbPath) as Store;
    const ids = store.appendMany(rows).map((e) => e.id);
    store.close();
    const copy = tempDir();
    copyFileSync(dbPath, join(copy, 'logs.db'));
    const again = createLogStore(dbPath) as Store;
    again.archiveLogs({ now: START + 4 * DAY, retentionMs: 0 });
    again.close();
    // The copy: every row in the database, and the day files renamed into place.
    const from = join(dir, 'archive', 'logs');
    const to = join(copy, 'archive', 'logs');
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from)) copyFileSync(join(from, f), join(to, f));
    const { store: crashed } = openStore(copy);
    expect(crashed.query().length).toBe(900);
    const truth: Truth[] = rows.map((e, i) => ({ ...e, id: ids[i] as number, toks: rowTokens(e) }));
    for (const q of ['disk', '错误', 'cafe']) {
      expect(allPages(crashed as Store, q, { limit: 23 }), q).toEqual(newest(truth, q));
    }
  });

  it('searchAsync gives what search gives; bad options are refused by name', async () => {
    const { store } = seeded(300, 1);
    const sync = store.search('disk', { includeArchive: true, limit: 5 });
    expect(await store.searchAsync('disk', { includeArchive: true, limit: 5 })).toEqual(sync);
    expect(Object.keys(sync.entries[0])).toEqual(['id', 'source', 'type', 'refId', 'payload', 'timestamp', 'snippet']);
    expect(sync.entries[0].snippet).toMatch(/disk/i);
    for (const bad of ['yes', 1, null, {}]) {
      expect(() => store.search('disk', { includeArchive: bad })).toThrow(TypeError);
      expect(() => store.search('disk', { includeArchive: bad })).toThrow(/options\.includeArchive/);
    }
    const pair = expect.objectContaining({ code: 'ERR_INCOMPATIBLE_OPTION_PAIR', name: 'TypeError' });
    expect(() => store.search('disk', { includeArchive: true, order: 'rank' })).toThrow(pair);
    await expect(store.searchAsync('disk', { includeArchive: true, order: 'rank' })).rejects.toThrow(pair);
    expect(() => store.search('disk (', { includeArchive: true, syntax: 'fts' })).toThrow(
      expect.objectContaining({ code: 'ERR_SEARCH_SYNTAX' }),
    );
    // Rank without the archive stays as it was.
    expect(store.search('disk', { includeArchive: false, order: 'rank' }).entries.length).toBeGreaterThan(0);
  });
});
