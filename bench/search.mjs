// Search figures on a generated database: `node bench/search.mjs [rows]` (default 1,000,000).
// Prints index build rate and size, and query times against query() + includes on the reference.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogStore as reference } from '@uncaged/nerve-store';
import { createLogStore } from '../index.mjs';
import { DAY, START, searchRows } from './search-data.mjs';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'nerve-search-bench-'));
const dbPath = join(dir, 'logs.db');
const store = createLogStore(dbPath);
const t0 = START;
let payloadBytes = 0;
for (const batch of searchRows(ROWS, (n) => {
  payloadBytes += n;
})) {
  store.appendMany(batch);
}
const ms = (f) => {
  const a = performance.now();
  const r = f();
  return [performance.now() - a, r];
};
const best = (f, n = 5) => Math.min(...Array.from({ length: n }, () => ms(f)[0]));
const b0 = performance.now();
await store.buildSearchIndex();
const buildS = (performance.now() - b0) / 1000;
const size = ['logs.search.db', 'logs.search.db-wal'].reduce(
  (s, f) => s + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0),
  0,
);
console.log(`rows ${ROWS}, payload ${(payloadBytes / 1e6).toFixed(1)} MB`);
console.log(
  `build: ${buildS.toFixed(1)} s = ${Math.round(ROWS / buildS)} rows/s; index ${(size / 1e6).toFixed(1)} MB = ${(size / payloadBytes).toFixed(2)}x payload`,
);
const ref = reference(dbPath);
for (const [name, q] of [
  ['rare', 'zyzzogeton'],
  ['common', 'timeout'],
  ['cjk', '错误'],
]) {
  const first = best(() => store.search(q, { limit: 50 }));
  const { next } = store.search(q, { limit: 50 });
  const page2 = next === null ? 0 : best(() => store.search(q, { limit: 50, before: next }));
  const [scan] = ms(() =>
    ref
      .query({})
      .filter((e) => e.payload?.includes(q))
      .slice(-50),
  );
  console.log(
    `${name} "${q}": newest 50 ${first.toFixed(2)} ms, next page ${page2.toFixed(2)} ms; reference query()+includes ${scan.toFixed(0)} ms (${Math.round(scan / first)}x)`,
  );
}
const day = { since: t0 + 10 * DAY, until: t0 + 11 * DAY - 1 };
console.log(
  `one-day window, common word, newest 50: ${best(() => store.search('timeout', { ...day, limit: 50 })).toFixed(2)} ms`,
);
console.log(
  `order rank, common word, top 50: ${best(() => store.search('timeout', { order: 'rank', limit: 50 }), 2).toFixed(0)} ms`,
);
console.log(
  `order rank, rare word, top 50: ${best(() => store.search('zyzzogeton', { order: 'rank', limit: 50 }), 2).toFixed(2)} ms`,
);
ref.close();
store.close();
rmSync(dir, { recursive: true, force: true });
