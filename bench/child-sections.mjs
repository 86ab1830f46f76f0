// The sections measured in child processes of their own: query() memory over 1M rows, and
// writeFile / readToFile of a large file.
import { spawnSync } from 'node:child_process';
import { rmSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtBytes, fmtTime, pad, quantile } from './stats.mjs';
import { FULL_FILE_BYTES } from './targets.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
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
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', '--disable-warning=ExperimentalWarning', join(HERE, 'mem-child.mjs'), impl, db],
        {
          cwd: ROOT,
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      );
      if (child.status !== 0) throw new Error(`memory child (${impl}) failed: ${child.stderr}`);
      const res = JSON.parse(child.stdout.trim().split('\n').pop());
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
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--disable-warning=ExperimentalWarning', join(HERE, 'file-child.mjs'), dir, String(bytes)],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 1 << 20,
        timeout: 15 * 60_000,
      },
    );
    const last = child.stdout?.trim().split('\n').pop();
    if (child.status !== 0 || !last?.startsWith('{')) {
      return {
        ...base,
        error: `child failed (status ${child.status}${child.signal ? `, ${child.signal}` : ''}): ${(child.error?.message ?? child.stderr ?? '').trim().slice(-500)}`,
      };
    }
    const res = JSON.parse(last);
    return { ...base, ...res };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
