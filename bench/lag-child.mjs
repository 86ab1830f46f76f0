// One main-thread lag measurement in a clean process (see lag.mjs for the method).
// Usage: node --expose-gc lag-child.mjs <reference|ours> <op> <db> [arg]
//   archive:     ours' archiveLogsAsync({ now: arg }) or the reference's archiveLogs({ now: arg })
//   query:       ours' queryAsync() or the reference's query()
//   search:      ours' searchAsync(arg, { limit: 10000 }) and the pages after it, SEARCH_PAGES in all
//   searchRank:  ours' searchAsync(arg, { order: 'rank', limit: 10000 })
//   readArchive: ours' readArchiveAsync()
//   iterate:     every row of ours' iterate({}, { includeArchive: true, batchSize: arg or default })
// The last four are ours only: the reference has no such member. Prints one JSON line:
//   { available, ms, max_lag_ms, ticks, worst_at_ms, worst_ran_ms, worst_runnable_ms, worst_gc_ms,
//     worst_page_faults, cpu_pressure_ms,
//     idle_max_lag_ms, peak_rss_growth_bytes, peak_reset, days | rows }.
import { idleLag, measureLag } from './lag.mjs';
import { resetPeak, statusBytes } from './proc-status.mjs';

const SEARCH_PAGES = 5;

const [impl, op, dbPath, arg] = process.argv.slice(2);
const mod =
  impl === 'reference'
    ? await import('@uncaged/nerve-store')
    : await import(new URL('../index.mjs', import.meta.url).href);

async function searchPages(store) {
  let rows = 0;
  let before;
  for (let page = 0; page < SEARCH_PAGES; page++) {
    const r = await store.searchAsync(arg, { limit: 10_000, ...(before === undefined ? {} : { before }) });
    rows += r.entries.length;
    if (r.next === null) break;
    before = r.next;
  }
  return rows;
}

async function iterateAll(store) {
  let n = 0;
  const options = arg ? { includeArchive: true, batchSize: Number(arg) } : { includeArchive: true };
  for await (const row of store.iterate({}, options)) if (row.id > 0) n++;
  return n;
}

/** [the member the op needs, the call, how its value is reported]. */
const OPS = {
  archive: [
    impl === 'ours' ? 'archiveLogsAsync' : 'archiveLogs',
    (s, name) => s[name]({ now: Number(arg) }),
    (v) => ({ days: v.days.map((d) => [d.day, d.rowCount]) }),
  ],
  query: [impl === 'ours' ? 'queryAsync' : 'query', (s, name) => s[name](), (v) => ({ rows: v.length })],
  search: ['searchAsync', searchPages, (v) => ({ rows: v })],
  searchRank: [
    'searchAsync',
    (s) => s.searchAsync(arg, { order: 'rank', limit: 10_000 }),
    (v) => ({ rows: v.entries.length }),
  ],
  readArchive: ['readArchiveAsync', (s) => s.readArchiveAsync(), (v) => ({ rows: v.length })],
  iterate: ['iterate', iterateAll, (v) => ({ rows: v })],
};

const out = { impl, op };
try {
  if (!Object.hasOwn(OPS, op)) throw new Error(`unknown op ${op}`);
  const [name, call, report] = OPS[op];
  const store = mod.createLogStore(dbPath);
  out.available = typeof store[name] === 'function';
  if (out.available) {
    globalThis.gc?.();
    out.idle_max_lag_ms = await idleLag(300);
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const peakReset = resetPeak();
    const hwmBefore = statusBytes('VmHWM');
    const r = await measureLag(() => call(store, name));
    out.peak_rss_growth_bytes = statusBytes('VmHWM') - (peakReset ? rssBefore : hwmBefore);
    out.peak_reset = peakReset;
    out.ms = r.ms;
    out.max_lag_ms = r.maxLagMs;
    out.ticks = r.ticks;
    out.worst_at_ms = r.worstAtMs;
    out.worst_ran_ms = r.worstRanMs;
    out.worst_runnable_ms = r.worstRunnableMs;
    out.worst_gc_ms = r.worstGcMs;
    out.worst_page_faults = r.worstPageFaults;
    out.cpu_pressure_ms = r.cpuPressureMs;
    Object.assign(out, report(r.value));
  }
  store.close();
} catch (e) {
  out.error = `${e.code ? `${e.code}: ` : ''}${e.message}`;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
