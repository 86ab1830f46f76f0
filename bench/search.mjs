// Search figures on a generated database: index build rate and size, query times, and the
// reference's way of finding the same rows (query() + a JavaScript `includes` filter).
//
//   node bench/search.mjs [rows]                   default 1,000,000; prints the figures
//   node bench/search.mjs rows --dir DIR --json    keeps DIR/logs.db (and its index) and prints one
//                                                  JSON line: what `npm run bench -- search` runs
//   node bench/search.mjs rows --dir DIR --build-only   only the data and its index
//
// Rows: ~250-byte JSON payloads of 8 words from a 10-word vocabulary (each word in about 57% of
// the rows), a rare word in 10 rows in all, a CJK phrase in every tenth row, over 30 days.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COMMON, DAY, RARE, searchRows, START as T0 } from './search-data.mjs';
import { median } from './stats.mjs';

/**
 * The package, loaded on first use: run.mjs imports this file for its constants before it points
 * the loader at the addon it pinned, so the addon must not load with this module.
 */
const ours = async () => (await import('../index.mjs')).createLogStore;

export { COMMON, RARE } from './search-data.mjs';
export const CJK = '错误';

/** Appends `rows` generated rows (bench/search-data.mjs) to `store`; returns the payloads' bytes. */
function fill(store, rows) {
  let payloadBytes = 0;
  for (const batch of searchRows(rows, (n) => {
    payloadBytes += n;
  }))
    store.appendMany(batch);
  return payloadBytes;
}

/** The index file's size with its WAL. */
function indexBytes(dir) {
  return ['logs.search.db', 'logs.search.db-wal'].reduce(
    (s, f) => s + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
}

/**
 * Generates `rows` rows into `dir`/logs.db and builds the index with buildSearchIndex (timed).
 * Returns { db, rows, payload_bytes, build_s, rows_per_s, index_bytes, index_ratio }.
 */
export async function buildSearchDb(dir, rows) {
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'logs.db');
  const store = (await ours())(db);
  try {
    const payloadBytes = fill(store, rows);
    const b0 = performance.now();
    await store.buildSearchIndex();
    const buildS = (performance.now() - b0) / 1000;
    const size = indexBytes(dir);
    return {
      db,
      rows,
      payload_bytes: payloadBytes,
      build_s: buildS,
      rows_per_s: rows / buildS,
      index_bytes: size,
      index_ratio: size / payloadBytes,
    };
  } finally {
    store.close();
  }
}

/** Times of `f` over `n` calls (ms), after one call untimed. */
function times(f, n) {
  f();
  return Array.from({ length: n }, () => {
    const a = performance.now();
    f();
    return performance.now() - a;
  });
}

const summary = (xs) => ({ median_ms: median(xs), min_ms: Math.min(...xs), runs: xs.length });

/**
 * Query times on the database `buildSearchDb` made, and the reference's query() + includes for
 * the same words. The reference's query() is the same call whatever the word, so it is timed once
 * and each word's filter on its result separately: a word's scan time is the two added.
 */
export async function measureSearch(db, { reference, runs = 21 } = {}) {
  const store = (await ours())(db);
  const words = {};
  try {
    for (const [name, q] of [
      ['rare', RARE],
      ['common', COMMON],
      ['cjk', CJK],
    ]) {
      const first = store.search(q, { limit: 50 });
      const next = first.next;
      words[name] = {
        text: q,
        first: summary(times(() => store.search(q, { limit: 50 }), runs)),
        next_page: next === null ? null : summary(times(() => store.search(q, { limit: 50, before: next }), runs)),
        returned: first.entries.length,
      };
    }
    const day = { since: T0 + 10 * DAY, until: T0 + 11 * DAY - 1 };
    const window = summary(times(() => store.search(COMMON, { ...day, limit: 50 }), runs));
    const rankCommon = summary(times(() => store.search(COMMON, { order: 'rank', limit: 50 }), 3));
    const rankRare = summary(times(() => store.search(RARE, { order: 'rank', limit: 50 }), runs));
    let scan = null;
    if (reference) {
      const ref = reference(db);
      try {
        const q0 = performance.now();
        const all = ref.query({});
        const queryMs = performance.now() - q0;
        scan = { query_ms: queryMs, rows: all.length, words: {} };
        for (const [name, w] of Object.entries(words)) {
          const f0 = performance.now();
          const hits = all.filter((e) => e.payload?.includes(w.text)).slice(-50);
          const ms = queryMs + performance.now() - f0;
          scan.words[name] = { ms, hits: hits.length, ratio: ms / w.first.median_ms };
        }
      } finally {
        ref.close();
      }
    }
    return { words, window, rank_common: rankCommon, rank_rare: rankRare, scan };
  } finally {
    store.close();
  }
}

function print(built, m) {
  const f = (x) => x.toFixed(2);
  console.log(`rows ${built.rows}, payload ${(built.payload_bytes / 1e6).toFixed(1)} MB`);
  console.log(
    `build: ${built.build_s.toFixed(1)} s = ${Math.round(built.rows_per_s)} rows/s; index ${(built.index_bytes / 1e6).toFixed(1)} MB = ${built.index_ratio.toFixed(2)}x payload`,
  );
  for (const [name, w] of Object.entries(m.words)) {
    const s = m.scan?.words[name];
    console.log(
      `${name} "${w.text}": newest 50 ${f(w.first.median_ms)} ms, next page ${w.next_page ? `${f(w.next_page.median_ms)} ms` : '-'}` +
        (s ? `; reference query()+includes ${s.ms.toFixed(0)} ms (${Math.round(s.ratio)}x)` : ''),
    );
  }
  console.log(`one-day window, common word, newest 50: ${f(m.window.median_ms)} ms`);
  console.log(`order rank, common word, top 50: ${m.rank_common.median_ms.toFixed(0)} ms`);
  console.log(`order rank, rare word, top 50: ${f(m.rank_rare.median_ms)} ms`);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { dir: { type: 'string' }, json: { type: 'boolean' }, 'build-only': { type: 'boolean' } },
  });
  const rows = Number(positionals[0] ?? 1_000_000);
  if (!(Number.isInteger(rows) && rows > 0)) throw new Error('rows must be a positive integer');
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'nerve-search-bench-'));
  try {
    if (existsSync(join(dir, 'logs.db'))) throw new Error(`${dir} already holds a logs.db`);
    const built = await buildSearchDb(dir, rows);
    if (values['build-only']) return void (values.json && console.log(JSON.stringify({ built })));
    const { createLogStore: reference } = await import('@uncaged/nerve-store');
    const m = await measureSearch(built.db, { reference });
    if (values.json) console.log(JSON.stringify({ built, ...m }));
    else print(built, m);
  } finally {
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
