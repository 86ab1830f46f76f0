import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExtendedLogStore, LogEntry } from '../../index.mjs';
import { openStore } from '../native/helpers';
import { matches, rng, rowTokens } from './truth';

const WORDS = ['disk', 'full', 'error', 'timeout', 'retry', 'café', 'Überweisung', 'ENOSPC', 'alpha', 'NEAR', 'OR'];
const CJK = ['数据库连接错误', '磁盘已满', '请求超时后重试', '日志写入失败', 'ディスク容量不足', '연결 오류'];

function generate(n: number, seed = 12): Omit<LogEntry, 'id'>[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)] as T;
  const out: Omit<LogEntry, 'id'>[] = [];
  for (let i = 0; i < n; i++) {
    const w = () => `${pick(WORDS)} ${pick(WORDS)}`;
    let payload: string | null;
    switch (i % 5) {
      case 0:
        payload = JSON.stringify({ msg: w(), n: i, deep: { list: [pick(CJK), 1, { disk: w() }] } });
        break;
      case 1:
        payload = `plain ${w()} at /var/log/x${i % 7}.log`;
        break;
      case 2:
        payload = JSON.stringify({ runId: `run-mwrh${i % 13}-live`, text: `${pick(CJK)}${pick(CJK)}` });
        break;
      case 3:
        payload = null;
        break;
      default:
        payload = JSON.stringify(`${pick(CJK)} ${w()}`);
    }
    out.push({
      source: pick(['daemon', 'workflow']),
      type: pick(['event', 'error']),
      refId: i % 3 ? `run-${i % 9}` : null,
      payload,
      timestamp: 1_000 + i * 1000,
    });
  }
  return out;
}

function seeded(n = 2_000) {
  const { store, dbPath } = openStore();
  const rows = generate(n);
  const ids = store.appendMany(rows).map((e) => e.id);
  const truth = rows.map((e, i) => ({ ...e, id: ids[i] as number, toks: rowTokens(e) }));
  return { store, dbPath, truth };
}

type Store = ExtendedLogStore;

function allPages(store: Store, text: string, options: Record<string, unknown> = {}): number[] {
  const ids: number[] = [];
  let before: unknown;
  for (;;) {
    const { entries, next } = store.search(text, { ...options, before });
    ids.push(...entries.map((e: LogEntry) => e.id));
    if (next === null) return ids;
    before = next;
  }
}

const QUERIES = [
  'disk',
  'ENOSPC',
  'cafe',
  'ÜBERWEISUNG',
  'disk full',
  '错误',
  '数据库连接',
  '超时',
  '容量',
  '오류',
  'run-mwrh3-live',
  '/var/log/x3.log',
  'NEAR OR',
  '"disk" full*',
  '写入 retry',
];

describe('search against a scan of the rows', () => {
  it('finds the same rows, newest first, on every page', () => {
    const { store, truth } = seeded();
    for (const q of QUERIES) {
      const expected = truth
        .filter((t) => matches(t.toks, q))
        .map((t) => t.id)
        .reverse();
      expect(expected.length, q).toBeGreaterThan(0);
      expect(allPages(store as Store, q, { limit: 17 }), q).toEqual(expected);
    }
  });

  it('applies the filters and time windows as query does', () => {
    const { store, truth } = seeded();
    const options = { source: 'daemon', type: 'error', since: 300_000, until: 1_500_000, limit: 9 };
    const expected = truth
      .filter((t) => t.source === 'daemon' && t.type === 'error' && t.timestamp >= 300_000 && t.timestamp <= 1_500_000)
      .filter((t) => matches(t.toks, 'disk'))
      .map((t) => t.id)
      .reverse();
    expect(allPages(store as Store, 'disk', options)).toEqual(expected);
    const rank = allPages(store as Store, 'disk', { order: 'rank', limit: 50 });
    expect([...rank].sort((a, b) => b - a)).toEqual(
      truth
        .filter((t) => matches(t.toks, 'disk'))
        .map((t) => t.id)
        .reverse(),
    );
  });

  it('searchAsync gives what search gives, entries keyed as LogEntry plus snippet', async () => {
    const { store } = seeded(2_000);
    const s = store as Store;
    const sync = s.search('错误', { limit: 5 });
    expect(await s.searchAsync('错误', { limit: 5 })).toEqual(sync);
    // Whole pages: snippets of every kind (CJK, accents, cut with '…') cut from one text.
    for (const options of [{ limit: 10_000 }, { limit: 10_000, order: 'rank' as const }]) {
      const all = s.search('disk', options);
      expect(all.entries.length).toBeGreaterThan(200);
      expect(await s.searchAsync('disk', options)).toEqual(all);
    }
    expect(Object.keys(sync.entries[0])).toEqual(['id', 'source', 'type', 'refId', 'payload', 'timestamp', 'snippet']);
    expect(sync.entries[0].snippet).toContain('错误');
  });

  it('finds every row another connection commits, never an archived one', async () => {
    const { store, dbPath } = seeded(500);
    const { createLogStore: reference } = await import('@uncaged/nerve-store');
    const other = reference(dbPath);
    try {
      for (let round = 0; round < 5; round++) {
        const e = other.append({
          source: 'ref',
          type: 'x',
          refId: null,
          payload: `marker${round} disk`,
          timestamp: 10 * 86_400_000 + round,
        });
        const found = (store as Store).search(`marker${round}`).entries.map((x: LogEntry) => x.id);
        expect(found).toEqual([e.id]);
      }
      // Every seeded row is days older than the markers: all of them go, the markers stay.
      other.archiveLogs({ now: 10 * 86_400_000, retentionMs: 86_400_000 });
      const hot = new Set(store.query().map((e) => e.id));
      const ids = allPages(store as Store, 'disk');
      expect(ids.every((id) => hot.has(id))).toBe(true);
      expect(ids.length).toBe(5);
    } finally {
      other.close();
    }
  });

  it('argument errors name the option', () => {
    const { store } = seeded(10);
    const s = store as Store;
    expect(() => s.search(1)).toThrow(TypeError);
    expect(() => s.search('x', { limit: 0 })).toThrow(/options\.limit/);
    expect(() => s.search('x', { order: 'size' })).toThrow(/options\.order/);
    expect(() => s.search('x', { syntax: 'regex' })).toThrow(/options\.syntax/);
    expect(() => s.search('x', { before: -1 })).toThrow(/options\.before/);
    expect(() => s.search('disk AND (', { syntax: 'fts' })).toThrow(
      expect.objectContaining({ code: 'ERR_SEARCH_SYNTAX' }),
    );
    expect(s.search(' !! -- ')).toEqual({ entries: [], next: null });
  });
});

describe('hostile plain-mode input', () => {
  it('never throws and returns only rows holding every word', () => {
    const { store, truth } = seeded(600);
    const byId = new Map(truth.map((t) => [t.id, t.toks]));
    const hostile = fc.constantFrom(
      '"',
      '""',
      'NEAR(',
      '*',
      '^',
      ':',
      'AND',
      'OR',
      'NOT',
      '(',
      ')',
      '\0',
      '\uD800',
      'disk',
      '错误',
      'col:disk',
      '-',
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.array(hostile, { maxLength: 8 }).map((a) => a.join(' ')),
      fc.array(fc.oneof(hostile, fc.string({ maxLength: 6 })), { maxLength: 6 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (q) => {
        const { entries } = (store as Store).search(q, { limit: 1000 });
        for (const e of entries) expect(matches(byId.get(e.id) ?? [], q), JSON.stringify(q)).toBe(true);
      }),
      { numRuns: 400, seed: 42 },
    );
    const huge = 'disk '.repeat(200_000) + 'x'.repeat(1 << 20);
    expect((store as Store).search(huge).entries).toEqual([]);
  });
});
