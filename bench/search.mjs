// Search figures on a generated database: `node bench/search.mjs [rows]` (default 1,000,000).
// Prints index build rate and size, and query times against query() + includes on the reference.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogStore as reference } from '@uncaged/nerve-store';
import { createLogStore } from '../index.mjs';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'nerve-search-bench-'));
const dbPath = join(dir, 'logs.db');
const store = createLogStore(dbPath);
const words = ['request', 'handled', 'worker', 'started', 'finished', 'queue', 'latency', 'retry', 'timeout', 'cache'];
let seed = 7;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const t0 = Date.UTC(2026, 0, 1);
let payloadBytes = 0;
for (let i = 0; i < ROWS; i += 10_000) {
  const batch = [];
  for (let j = i; j < Math.min(ROWS, i + 10_000); j++) {
    const msg =
      Array.from({ length: 8 }, () => pick(words)).join(' ') +
      (j % 100_000 === 5 ? ' zyzzogeton' : '') +
      (j % 10 === 0 ? ' 数据库连接错误' : '');
    const payload = JSON.stringify({
      msg,
      runId: `run-${(j % 5000).toString(36)}-live`,
      level: pick(['info', 'warn', 'error']),
      meta: { host: `h${j % 17}`, path: `/var/log/app${j % 3}.log`, ms: j % 997 },
    });
    payloadBytes += Buffer.byteLength(payload);
    batch.push({
      source: pick(['daemon', 'workflow', 'agent']),
      type: pick(['event', 'tick', 'error']),
      refId: null,
      payload,
      timestamp: t0 + Math.floor((j * 30 * DAY) / ROWS),
    });
  }
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
