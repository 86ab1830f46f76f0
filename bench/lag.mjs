// Main-thread lag: how long a 1 ms setInterval on the main thread waits while an operation runs.
//
// Method: a `setInterval(tick, 1)` records performance.now() on every tick. The lag of one wait is
// (time between two consecutive ticks) - 1 ms; the worst lag of an operation is the largest such
// value over the waits that overlap it: from the last tick before the call, through the call
// and its settlement, to the first ticks after a short tail (so work done on the main thread
// when a promise settles, such as building the JavaScript result, is caught too). A synchronous
// call blocks the loop for its whole duration, so its worst lag is about its duration.
// This is the interval's own view; perf_hooks.monitorEventLoopDelay is not used.
// On Linux each tick also reads the main thread's scheduler counters (/proc/thread-self/schedstat),
// so the worst wait is split into the time the thread was runnable but had no CPU (the machine's
// other load, or our own threads) and the rest (blocked in the kernel, or running JavaScript);
// the V8 garbage-collection pauses that overlap it (PerformanceObserver 'gc') and the process's
// minor page faults during it (a first touch of fresh memory, costly on some virtual machines)
// say how much of the rest was the engine's and the kernel's rather than our code's.
// Every measured call runs in a fresh child process (lag-child.mjs), so the bench's own heap and
// its garbage collection are not in the figure; each child first measures its idle loop for 300 ms.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyDb } from './data.mjs';
import { jsonChild } from './json-child.mjs';
import { schedstat } from './proc-status.mjs';
import { median } from './stats.mjs';

const INTERVAL_MS = 1;
/** Time the interval keeps running after the operation settled. */
const TAIL_MS = 10;

/** Total ms some task of the machine was waiting for a CPU (PSI), or null where not available. */
function cpuPressureMs() {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))[1]) / 1000;
  } catch {
    return null;
  }
}

/** Minor page faults of the process so far. */
const pageFaults = () => process.resourceUsage().minorPageFault;

/** Ms of the GC entries that overlap [from, to]. */
function gcOverlapMs(entries, from, to) {
  let ms = 0;
  for (const e of entries) ms += Math.max(0, Math.min(to, e.startTime + e.duration) - Math.max(from, e.startTime));
  return ms;
}

/**
 * Runs `op()` (sync or returning a promise) under a 1 ms interval and returns
 * { value, ms, maxLagMs, ticks, worstAtMs, worstRanMs, worstRunnableMs, worstGcMs, worstPageFaults,
 * cpuPressureMs }. `ms` is the call's duration up to its settlement; `worstAtMs` when the worst
 * wait began, from the call's start (null without a tick; a wait at the start or the end of a
 * call has other causes than one in the middle of it); `worstRanMs` and `worstRunnableMs` are how much of the worst wait the main thread spent on a CPU and runnable
 * without one; `worstGcMs` how much of it V8's collector paused the thread, `worstPageFaults` the
 * page faults in it; `cpuPressureMs` is the machine's CPU pressure over the call (null when the
 * kernel does not report them).
 */
export async function measureLag(op) {
  let last = performance.now();
  let lastSched = schedstat();
  let lastFaults = pageFaults();
  let maxGap = 0;
  let worstFrom = 0;
  let worstFaults = 0;
  let worstRan = null;
  let worstRunnable = null;
  let ticks = 0;
  let counting = false;
  let t0 = 0;
  const handle = setInterval(() => {
    const now = performance.now();
    const sched = lastSched && schedstat();
    const faults = pageFaults();
    if (counting) {
      if (now - last > maxGap) {
        maxGap = now - last;
        worstFrom = last;
        worstFaults = faults - lastFaults;
        worstRan = sched ? sched[0] - lastSched[0] : null;
        worstRunnable = sched ? sched[1] - lastSched[1] : null;
      }
      ticks++;
    }
    last = now;
    lastSched = sched;
    lastFaults = faults;
  }, INTERVAL_MS);
  const gcs = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    await sleep(20); // the interval is up and ticking
    counting = true;
    const pressure0 = cpuPressureMs();
    t0 = performance.now();
    const value = await op();
    const ms = performance.now() - t0;
    await sleep(TAIL_MS);
    const pressure = pressure0 === null ? null : cpuPressureMs() - pressure0;
    // A wait still open when the tail ends (the loop was blocked at the very end) counts too.
    if (performance.now() - last > maxGap) {
      maxGap = performance.now() - last;
      worstFrom = last;
      worstFaults = pageFaults() - lastFaults;
      worstRan = null;
      worstRunnable = null;
    }
    gcs.push(...observer.takeRecords());
    return {
      value,
      ms,
      maxLagMs: Math.max(0, maxGap - INTERVAL_MS),
      ticks,
      worstAtMs: maxGap > 0 ? worstFrom - t0 : null,
      worstRanMs: worstRan,
      worstRunnableMs: worstRunnable,
      worstGcMs: gcOverlapMs(gcs, worstFrom, worstFrom + maxGap),
      worstPageFaults: worstFaults,
      cpuPressureMs: pressure,
    };
  } finally {
    clearInterval(handle);
    observer.disconnect();
  }
}

/** Worst lag of the idle loop over `ms`: the machine's own noise floor for the figures above. */
export async function idleLag(ms = 300) {
  const r = await measureLag(() => sleep(ms));
  return r.maxLagMs;
}

/** One measurement in a fresh process: `node lag-child.mjs <impl> <op> <db> [arg]` (see there). */
export function lagChild(impl, op, db, arg) {
  const out = jsonChild('lag-child.mjs', [impl, op, db, arg ?? ''], {
    nodeArgs: ['--expose-gc', '--disable-warning=ExperimentalWarning'],
    label: `lag child (${impl} ${op})`,
    maxBuffer: 1 << 20,
  });
  if (out.error) throw new Error(out.error);
  return out;
}

/** The scheduler figures of one child's answer (null where the kernel gave none). */
export function contention(r) {
  return {
    worst_at_ms: r.worst_at_ms ?? null,
    worst_ran_ms: r.worst_ran_ms ?? null,
    worst_runnable_ms: r.worst_runnable_ms ?? null,
    worst_gc_ms: r.worst_gc_ms ?? null,
    worst_page_faults: r.worst_page_faults ?? null,
    cpu_pressure_pct: r.cpu_pressure_ms == null ? null : (100 * r.cpu_pressure_ms) / r.ms,
  };
}

/**
 * " (at 40% of the call; main thread ran 3.1 ms of it, 12.0 ms runnable without a CPU; V8 GC
 * 9.8 ms of it, 410 page faults; CPU pressure 35% of the run)", or "" without figures.
 */
export function describeContention(run) {
  const parts = [];
  if (run.worst_at_ms != null) parts.push(`at ${((100 * run.worst_at_ms) / run.ms).toFixed(0)}% of the call`);
  if (run.worst_ran_ms != null && run.worst_runnable_ms != null)
    parts.push(
      `main thread ran ${run.worst_ran_ms.toFixed(1)} ms of it, ${run.worst_runnable_ms.toFixed(1)} ms runnable without a CPU`,
    );
  else if (run.worst_runnable_ms != null)
    parts.push(`${run.worst_runnable_ms.toFixed(1)} ms of it runnable without a CPU`);
  if (run.worst_gc_ms != null)
    parts.push(`V8 GC ${run.worst_gc_ms.toFixed(1)} ms of it, ${run.worst_page_faults} page faults`);
  if (run.cpu_pressure_pct != null) parts.push(`CPU pressure ${run.cpu_pressure_pct.toFixed(0)}% of the run`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function worst(runs) {
  return runs.length ? Math.max(...runs.map((r) => r.max_lag_ms)) : NaN;
}

export function side(runs) {
  const worstRun = runs.reduce((a, r) => (a && a.max_lag_ms >= r.max_lag_ms ? a : r), null);
  return {
    runs,
    median_ms: median(runs.map((r) => r.ms)),
    max_lag_ms: worst(runs),
    worst_run: worstRun,
    idle_max_lag_ms: runs.length ? Math.max(...runs.map((r) => r.idle_max_lag_ms)) : NaN,
  };
}

/**
 * archiveLogsAsync (ours) against the reference's synchronous archiveLogs, each run in a fresh
 * child process on a fresh fsynced copy of `o.db` (copied untimed), alternating which goes first.
 * Returns per-implementation runs, the worst lag of ours over all runs, and whether the archive
 * results (days and rowCount) match.
 * @param o { db, rows, days, now, reps, counted }
 */
export async function runArchiveLag(env, o, log) {
  const available = typeof env.readStore('ours').archiveLogsAsync === 'function';
  const impls = available ? ['reference', 'ours'] : ['reference'];
  const reps = available ? o.reps : 1;
  const runs = { reference: [], ours: [] };
  const results = new Set();
  const errors = {};
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? impls : [...impls].reverse();
    for (const impl of order) {
      if (errors[impl]) continue;
      const dir = join(env.tmp, `lag-archive-${impl}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      copyDb(o.db, join(dir, 'logs.db'));
      try {
        const r = lagChild(impl, 'archive', join(dir, 'logs.db'), o.now);
        results.add(JSON.stringify(r.days));
        const run = {
          ms: r.ms,
          max_lag_ms: r.max_lag_ms,
          ticks: r.ticks,
          ...contention(r),
          idle_max_lag_ms: r.idle_max_lag_ms,
          days: r.days.length,
          rows: r.days.reduce((a, d) => a + d[1], 0),
        };
        runs[impl].push(run);
        log?.(
          `${impl}: ${run.days} days, ${run.rows} rows in ${(run.ms / 1000).toFixed(2)} s, worst lag ${run.max_lag_ms.toFixed(1)} ms${describeContention(run)} (idle ${run.idle_max_lag_ms.toFixed(1)} ms)`,
        );
      } catch (e) {
        errors[impl] = e.message;
        log?.(`${impl}: ${errors[impl]}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const reference = side(runs.reference);
  const ours = side(runs.ours);
  return {
    rows: o.rows,
    days: o.days,
    counted: o.counted,
    available,
    method:
      'fresh child process per run; worst wait of a 1 ms setInterval on its main thread (gap between ticks - 1 ms) while the call runs, its settlement included',
    idle_max_lag_ms: Math.max(reference.idle_max_lag_ms, available ? ours.idle_max_lag_ms : -Infinity),
    reference,
    ours,
    duration_ratio: reference.median_ms / ours.median_ms,
    same: available && runs.ours.length > 0 && runs.reference.length > 0 ? results.size === 1 : null,
    errors,
  };
}

/** queryAsync() (ours) against the reference's query() over a copy of the 100k-row template: lag and time. */
export async function runQueryLag(env, o, log) {
  const available = typeof env.readStore('ours').queryAsync === 'function';
  const dir = join(env.tmp, 'lag-query');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'logs.db');
  copyDb(env.template, db);
  const runs = { reference: [], ours: [] };
  const counts = new Set();
  const errors = {};
  const impls = available ? ['reference', 'ours'] : ['reference'];
  try {
    for (let rep = 0; rep < o.reps; rep++) {
      const order = rep % 2 === 0 ? impls : [...impls].reverse();
      for (const impl of order) {
        if (errors[impl]) continue;
        try {
          const r = lagChild(impl, 'query', db);
          counts.add(r.rows);
          runs[impl].push({
            ms: r.ms,
            max_lag_ms: r.max_lag_ms,
            ticks: r.ticks,
            ...contention(r),
            idle_max_lag_ms: r.idle_max_lag_ms,
            rows: r.rows,
          });
        } catch (e) {
          errors[impl] = e.message;
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const reference = side(runs.reference);
  const ours = side(runs.ours);
  const res = {
    rows: 100_000,
    available,
    idle_max_lag_ms: Math.max(reference.idle_max_lag_ms, available ? ours.idle_max_lag_ms : -Infinity),
    reference,
    ours,
    same_row_count: counts.size === 1,
    errors,
  };
  log?.(
    `reference query(): ${res.reference.median_ms.toFixed(0)} ms, worst lag ${res.reference.max_lag_ms.toFixed(1)} ms; ours queryAsync(): ${available ? `${res.ours.median_ms.toFixed(0)} ms, worst lag ${res.ours.max_lag_ms.toFixed(1)} ms` : 'not available'}`,
  );
  return res;
}
