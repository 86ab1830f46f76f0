// One clean process per measurement: opens the database with one implementation, runs query()
// over all rows once and reports peak memory. Usage: node --expose-gc mem-child.mjs <impl> <db>
// Peak RSS comes from the kernel's high-water mark (VmHWM), reset just before the call through
// /proc/self/clear_refs, so a peak inside the synchronous call is caught exactly (no sampling gap).
import { performance } from 'node:perf_hooks';
import { resetPeak, statusBytes } from './proc-status.mjs';

const [impl, dbPath] = process.argv.slice(2);
const mod =
  impl === 'reference'
    ? await import('@uncaged/nerve-store')
    : await import(new URL('../index.mjs', import.meta.url).href);

const store = mod.createLogStore(dbPath);
store.query({ limit: 10 }); // statements prepared, code loaded
globalThis.gc?.();
globalThis.gc?.();
const before = process.memoryUsage();
const peakReset = resetPeak();
const hwmBefore = statusBytes('VmHWM');
const t0 = performance.now();
let rows = store.query();
const ms = performance.now() - t0;
const hwmAfter = statusBytes('VmHWM');
const after = process.memoryUsage();
const count = rows.length;
rows = null;
store.close();

process.stdout.write(
  `${JSON.stringify({
    impl,
    rows: count,
    ms,
    peakReset,
    rssBefore: before.rss,
    peakRss: hwmAfter,
    peakRssGrowth: hwmAfter - (peakReset ? before.rss : hwmBefore),
    heapUsedGrowth: after.heapUsed - before.heapUsed,
    externalGrowth: after.external - before.external,
    rssAfter: after.rss,
  })}\n`,
);
