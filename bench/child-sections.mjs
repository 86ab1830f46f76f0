// The sections measured in child processes of their own: query() memory over 1M rows, and
// writeFile / readToFile of a large file.
import { rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { jsonChild } from './json-child.mjs';
import { fmtBytes, fmtTime, pad, quantile } from './stats.mjs';
import { FULL_FILE_BYTES } from './targets.mjs';

const IMPLS = ['reference', 'ours'];
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- memory (child processes)
export function runMemory(env, o) {
  const db = env.bigDb(o.memRows);
  console.log(`  query() over ${o.memRows} rows, one child process per measurement`);
  const runs = { reference: [], ours: [] };
  for (let rep = 0; rep < o.memReps; rep++) {
    const order = rep % 2 === 0 ? IMPLS : [...IMPLS].reverse();
    for (const impl of order) {
      const res = jsonChild('mem-child.mjs', [impl, db], {
        nodeArgs: ['--expose-gc', '--disable-warning=ExperimentalWarning'],
        label: `memory child (${impl})`,
        maxBuffer: 1 << 20,
      });
      runs[impl].push(res);
      console.log(
        `  ${pad(impl, 10)} rows=${res.rows} time=${fmtTime(res.ms)} peak RSS growth=${fmtBytes(res.peakRssGrowth)} (peak RSS ${fmtBytes(res.peakRss)}), heapUsed growth=${fmtBytes(res.heapUsedGrowth)}${res.peakReset ? '' : ' [VmHWM not reset]'}`,
      );
    }
  }
  const med = (impl, f) =>
    quantile(
      runs[impl].map((r) => r[f]).sort((a, b) => a - b),
      0.5,
    );
  const summary = {};
  for (const impl of IMPLS) {
    summary[impl] = {
      ms: med(impl, 'ms'),
      peak_rss_growth_bytes: med(impl, 'peakRssGrowth'),
      peak_rss_bytes: med(impl, 'peakRss'),
      heap_used_growth_bytes: med(impl, 'heapUsedGrowth'),
      runs: runs[impl],
    };
  }
  return {
    rows: o.memRows,
    method: 'child process per run; peak RSS = VmHWM after resetting it via /proc/self/clear_refs just before query()',
    ...summary,
    time_ratio: summary.reference.ms / summary.ours.ms,
    peak_rss_growth_ratio: summary.reference.peak_rss_growth_bytes / summary.ours.peak_rss_growth_bytes,
  };
}

// ---------------------------------------------------------------- large blobs through files (child)
export function runFiles(env, o) {
  const bytes = Math.round(o.fileMiB * MiB);
  const counted = bytes >= FULL_FILE_BYTES;
  const dir = join(env.tmp, 'files');
  const base = {
    bytes,
    counted,
    method:
      'child process; source file made and fsynced untimed; peak RSS growth = VmHWM after resetting it via /proc/self/clear_refs just before each call, minus RSS at the reset',
  };
  // Source, blob and read-back copy: the source is deleted before readToFile, so two at a time.
  const st = statfsSync(env.tmp);
  const free = st.bavail * st.bsize;
  if (free < 2 * bytes + 1024 * MiB) return { ...base, skipped: `not enough free disk (${fmtBytes(free)} free)` };
  try {
    const res = jsonChild('file-child.mjs', [dir, bytes], {
      nodeArgs: ['--expose-gc', '--disable-warning=ExperimentalWarning'],
      label: 'child',
      maxBuffer: 1 << 20,
      timeoutMs: 15 * 60_000,
    });
    return { ...base, ...res };
  } catch (e) {
    return { ...base, error: e.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
