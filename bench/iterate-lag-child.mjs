// One run of iterate-lag.mjs in a fresh process: node --expose-gc iterate-lag-child.mjs <db> [batchSize]
// Iterates every row (archive first, then the database) under a 1 ms setInterval and prints
// { rows, ms, maxLagMs, worstRanMs, worstWaitedMs, idleMaxLagMs, peakRssGrowth } as one JSON line.
// On Linux the worst wait is split by the main thread's scheduler counters
// (/proc/thread-self/schedstat): the time it ran (JavaScript, the batch's conversion) and the
// time it was runnable without a CPU (the machine's other load, or our own threads).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogStore } from '../index.mjs';
import { resetPeak, schedstat, statusBytes } from './proc-status.mjs';

const [db, batch] = process.argv.slice(2);
const store = createLogStore(db, { readOnly: true });
const options = batch ? { includeArchive: true, batchSize: Number(batch) } : { includeArchive: true };

/** Worst (gap between ticks - 1 ms) while `op` runs and 10 ms after, and that gap's split. */
async function lag(op) {
  let last = performance.now();
  let lastSched = schedstat();
  let maxGap = 0;
  let split = [null, null];
  let counting = false;
  const handle = setInterval(() => {
    const now = performance.now();
    const sched = lastSched && schedstat();
    if (counting && now - last > maxGap) {
      maxGap = now - last;
      split = sched ? [sched[0] - lastSched[0], sched[1] - lastSched[1]] : [null, null];
    }
    last = now;
    lastSched = sched;
  }, 1);
  await sleep(20);
  counting = true;
  const t0 = performance.now();
  const value = await op();
  const ms = performance.now() - t0;
  await sleep(10);
  maxGap = Math.max(maxGap, performance.now() - last);
  clearInterval(handle);
  return { value, ms, maxLagMs: Math.max(0, maxGap - 1), worstRanMs: split[0], worstWaitedMs: split[1] };
}

const idle = await lag(() => sleep(300));
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
const peakReset = resetPeak();
const hwmBefore = statusBytes('VmHWM');
const r = await lag(async () => {
  let n = 0;
  for await (const row of store.iterate({}, options)) if (row.id > 0) n++;
  return n;
});
const hwm = statusBytes('VmHWM');
store.close();
process.stdout.write(
  `${JSON.stringify({
    rows: r.value,
    ms: r.ms,
    maxLagMs: r.maxLagMs,
    worstRanMs: r.worstRanMs,
    worstWaitedMs: r.worstWaitedMs,
    idleMaxLagMs: idle.maxLagMs,
    peakRssGrowth: hwm - (peakReset ? rssBefore : hwmBefore),
  })}\n`,
);
