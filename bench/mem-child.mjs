// One clean process per measurement: opens the database with one implementation, runs query()
// over all rows once and reports peak memory. Usage: node --expose-gc mem-child.mjs <impl> <db>
// Peak RSS comes from the kernel's high-water mark (VmHWM), reset just before the call through
// /proc/self/clear_refs, so a peak inside the synchronous call is caught exactly (no sampling gap).
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [impl, dbPath] = process.argv.slice(2);
const mod = impl === 'reference'
  ? await import('@uncaged/nerve-store')
  : await import(new URL('../index.mjs', import.meta.url).href);

function statusKb(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const store = mod.createLogStore(dbPath);
store.query({ limit: 10 }); // statements prepared, code loaded
globalThis.gc?.();
globalThis.gc?.();
const before = process.memoryUsage();
const peakReset = resetPeak();
const hwmBefore = statusKb('VmHWM');
const t0 = performance.now();
let rows = store.query();
const ms = performance.now() - t0;
const hwmAfter = statusKb('VmHWM');
const after = process.memoryUsage();
const count = rows.length;
rows = null;
store.close();

process.stdout.write(`${JSON.stringify({
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
})}\n`);
