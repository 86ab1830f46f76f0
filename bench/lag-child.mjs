// One main-thread lag measurement in a clean process (see lag.mjs for the method).
// Usage: node --expose-gc lag-child.mjs <reference|ours> <archive|query> <db> [now]
//   archive: ours' archiveLogsAsync({ now }) or the reference's archiveLogs({ now })
//   query:   ours' queryAsync() or the reference's query()
// Prints one JSON line: { available, ms, max_lag_ms, ticks, worst_runnable_ms, cpu_pressure_ms,
//   idle_max_lag_ms, days | rows }.
import { idleLag, measureLag } from './lag.mjs';

const [impl, op, dbPath, nowArg] = process.argv.slice(2);
const mod =
  impl === 'reference'
    ? await import('@uncaged/nerve-store')
    : await import(new URL('../index.mjs', import.meta.url).href);

const out = { impl, op };
try {
  const store = mod.createLogStore(dbPath);
  const name =
    impl === 'ours'
      ? op === 'archive'
        ? 'archiveLogsAsync'
        : 'queryAsync'
      : op === 'archive'
        ? 'archiveLogs'
        : 'query';
  out.available = typeof store[name] === 'function';
  if (out.available) {
    globalThis.gc?.();
    out.idle_max_lag_ms = await idleLag(300);
    const call = op === 'archive' ? () => store[name]({ now: Number(nowArg) }) : () => store[name]();
    const r = await measureLag(call);
    out.ms = r.ms;
    out.max_lag_ms = r.maxLagMs;
    out.ticks = r.ticks;
    out.worst_runnable_ms = r.worstRunnableMs;
    out.cpu_pressure_ms = r.cpuPressureMs;
    if (op === 'archive') out.days = r.value.days.map((d) => [d.day, d.rowCount]);
    else out.rows = r.value.length;
  }
  store.close();
} catch (e) {
  out.error = `${e.code ? `${e.code}: ` : ''}${e.message}`;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
