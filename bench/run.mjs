// nerve-store-native vs @uncaged/nerve-store@0.5.0 (the reference), in one process.
//
//   npm run bench                       full run (~4 min), writes bench-results/latest.json
//   npm run bench -- --quick            smoke run (well under a minute)
//   npm run bench -- thread blob.read   only workloads whose key or name contains a filter
//   npm run bench -- --list             list workload keys
// Options: --rounds N, --time-scale X (multiplies every time budget), --no-mem / --mem,
//          --mem-rows N (default 1000000), --mem-reps N, --out FILE,
//          --addon FILE (a .node to load as ours; default: the package's own, as built by
//          `npm run build`). The addon is copied to a private directory at start, so a rebuild
//          during the run cannot swap it out; a build with debug info (npm run build:debug) is
//          flagged loudly, since its numbers mean nothing.
//
// Method: every workload runs in rounds; each round is one tinybench Bench holding the reference
// and ours, and the order alternates round to round (reference first, then ours first), so drift
// on this shared machine hits both. Samples are pooled over the rounds; the ratio is
// median(reference) / median(ours), so > 1 means ours is faster. The spread of the per-round
// ratios shows how much the noise moved it. Both implementations read identical copies of one
// template database, built once with the reference's createLogStore and node:sqlite.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { buildTemplate, copyDb } from './data.mjs';
import { blobContent, WORKLOADS } from './workloads.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const IMPLS = ['reference', 'ours'];

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = { quick: false, rounds: null, timeScale: 1, mem: null, memRows: 1_000_000, memReps: null, out: null, addon: null, list: false, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--time-scale') o.timeScale = Number(next());
    else if (a === '--mem') o.mem = true;
    else if (a === '--no-mem') o.mem = false;
    else if (a === '--mem-rows') o.memRows = Number(next());
    else if (a === '--mem-reps') o.memReps = Number(next());
    else if (a === '--out') o.out = next();
    else if (a === '--addon') o.addon = resolve(next());
    else if (a === '--list') o.list = true;
    else if (a === '--help' || a === '-h') {
      console.log(readUsage());
      process.exit(0);
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a} (try --help)`);
    else o.filters.push(a.toLowerCase());
  }
  o.rounds ??= o.quick ? 2 : 6;
  o.memReps ??= o.quick ? 1 : 2;
  // Memory: on in a full run, off in --quick; with filters, only when a filter names it.
  const memNamed = o.filters.some((f) => 'memory query() 1m rows'.includes(f) || f === 'mem');
  o.mem ??= o.filters.length > 0 ? memNamed : !o.quick;
  if (o.quick) o.timeScale *= 0.2;
  return o;
}

function readUsage() {
  return 'usage: npm run bench -- [--quick] [--rounds N] [--time-scale X] [--mem|--no-mem] [--mem-rows N] [--mem-reps N] [--out FILE] [--addon FILE] [--list] [filter...]';
}

/** tinybench budgets per kind of workload (ms); `iterations` is the minimum per round. */
function budget(cost, o) {
  const s = o.timeScale;
  switch (cost) {
    case 'fast': return { time: 500 * s, iterations: o.quick ? 5 : 20, warmupTime: 100 * s, warmupIterations: 10 };
    case 'scan': return { time: 1000 * s, iterations: o.quick ? 1 : 3, warmupTime: 0, warmupIterations: o.quick ? 1 : 2 };
    case 'bigblob': return { time: 600 * s, iterations: o.quick ? 1 : 3, warmupTime: 0, warmupIterations: 2 };
    case 'archive': return { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 1 };
    default: throw new Error(`unknown cost ${cost}`);
  }
}

// ---------------------------------------------------------------- statistics
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summarize(samples, roundMedians) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median_ms: quantile(s, 0.5),
    p25_ms: quantile(s, 0.25),
    p75_ms: quantile(s, 0.75),
    min_ms: s[0],
    mean_ms: s.reduce((a, b) => a + b, 0) / s.length,
    samples: s.length,
    round_medians_ms: roundMedians,
  };
}

function fmtTime(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function fmtBytes(b) {
  if (!Number.isFinite(b)) return 'n/a';
  return `${(b / 1024 / 1024).toFixed(0)} MiB`;
}

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

// ---------------------------------------------------------------- environment
function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Section names of a 64-bit little-endian ELF file ([] for anything else). */
function elfSectionNames(buf) {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return [];
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const strtab = shoff + buf.readUInt16LE(0x3e) * shentsize;
  const strOff = Number(buf.readBigUInt64LE(strtab + 0x18));
  const names = [];
  for (let i = 0; i < shnum; i++) {
    const start = strOff + buf.readUInt32LE(shoff + i * shentsize);
    names.push(buf.toString('latin1', start, buf.indexOf(0, start)));
  }
  return names;
}

/**
 * Snapshots the addon that "ours" will load into `dir` and points the napi loader at the copy
 * (NAPI_RS_NATIVE_LIBRARY_PATH, inherited by the memory children too).
 */
function pinAddon(o, dir) {
  const file = o.addon ?? process.env.NAPI_RS_NATIVE_LIBRARY_PATH ?? join(ROOT, 'nerve-store.linux-x64-gnu.node');
  if (!existsSync(file)) throw new Error(`addon not found: ${file} (run npm run build)`);
  const st = statSync(file);
  // A release build (debug = false) has no DWARF sections; `npm run build:debug` output does.
  const debugInfo = elfSectionNames(readFileSync(file)).includes('.debug_info');
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'nerve-store.node');
  copyFileSync(file, copy);
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = copy;
  return { file, bytes: st.size, mtime: st.mtime.toISOString(), debug_info: debugInfo };
}

/** Removes scratch directories left by runs that were killed (their process is gone). */
function removeStaleScratch() {
  for (const name of readdirSync(tmpdir())) {
    const m = /^nerve-store-bench-(\d+)$/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if (e.code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

async function makeEnv(o) {
  removeStaleScratch();
  const tmp = join(tmpdir(), `nerve-store-bench-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const addon = pinAddon(o, join(tmp, 'addon'));
  console.log(`ours: ${addon.file} (${(addon.bytes / 1e6).toFixed(1)} MB, built ${addon.mtime})`);
  if (addon.debug_info) {
    console.log('WARNING: this addon has debug info: it looks like a DEBUG build (npm run build:debug). Benchmark a release build (npm run build).');
  }
  const mods = {
    reference: await import('@uncaged/nerve-store'),
    ours: await import(new URL('../index.mjs', import.meta.url).href),
  };
  const template = join(tmp, 'template', 'logs.db');
  mkdirSync(dirname(template), { recursive: true });
  const t0 = performance.now();
  buildTemplate(mods.reference.createLogStore, template, { rows: 100_000, days: 20, threadMessages: 2500 });
  console.log(`template: 100k rows over 20 days, 2.5k thread messages (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const readStores = {};
  const blobs = {};
  return {
    tmp,
    addon,
    mods,
    template,
    /** One read-only copy of the template per implementation, shared by the read workloads. */
    readStore(impl) {
      if (!readStores[impl]) {
        const dir = join(tmp, `read-${impl}`);
        mkdirSync(dir, { recursive: true });
        copyDb(template, join(dir, 'logs.db'));
        readStores[impl] = mods[impl].createLogStore(join(dir, 'logs.db'));
      }
      return readStores[impl];
    },
    /** A stored blob of `size` bytes per implementation (same bytes, same hash). */
    blobFixture(impl, label, size) {
      const k = `${impl}:${label}`;
      if (!blobs[k]) {
        const store = mods[impl].createBlobStore(join(tmp, `blobs-read-${label}-${impl}`));
        blobs[k] = { store, hash: store.write(blobContent(size, 3)) };
      }
      return blobs[k];
    },
    close() {
      for (const s of Object.values(readStores)) s.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- one workload
function runWorkload(w, env, o) {
  const b = budget(w.cost, o);
  const verify = {};
  for (const impl of IMPLS) {
    try {
      verify[impl] = w.verify(impl, env);
    } catch (e) {
      verify[impl] = `threw: ${e.message}`;
    }
  }
  const same = verify.reference === verify.ours;
  const tasks = Object.fromEntries(IMPLS.map((impl) => [impl, w.make(impl, env)]));
  const samples = { reference: [], ours: [] };
  const roundMedians = { reference: [], ours: [] };
  const load = [loadavg()[0]];
  try {
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
      const bench = new Bench({
        name: w.key,
        time: b.time,
        iterations: b.iterations,
        warmup: r === 0,
        warmupTime: b.warmupTime,
        warmupIterations: b.warmupIterations,
        retainSamples: true,
        throws: true,
      });
      for (const impl of order) {
        const t = tasks[impl];
        bench.add(impl, t.fn, { beforeEach: t.beforeEach, afterEach: t.afterEach });
      }
      bench.runSync();
      for (const task of bench.tasks) {
        const lat = task.result.latency;
        for (const x of lat.samples) samples[task.name].push(x);
        roundMedians[task.name].push(lat.p50);
      }
    }
  } finally {
    for (const impl of IMPLS) tasks[impl].close?.();
    globalThis.gc?.();
  }
  load.push(loadavg()[0]);
  const reference = summarize(samples.reference, roundMedians.reference);
  const ours = summarize(samples.ours, roundMedians.ours);
  const roundRatios = roundMedians.reference.map((m, i) => m / roundMedians.ours[i]);
  return {
    key: w.key,
    name: w.name,
    same,
    ...(same ? {} : { verify }),
    ratio: reference.median_ms / ours.median_ms,
    round_ratio_min: Math.min(...roundRatios),
    round_ratio_max: Math.max(...roundRatios),
    round_ratios: roundRatios,
    reference,
    ours,
    loadavg1: load,
  };
}

// ---------------------------------------------------------------- memory (child processes)
function runMemory(env, o) {
  const dir = join(env.tmp, 'mem');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'logs.db');
  const t0 = performance.now();
  buildTemplate(env.mods.reference.createLogStore, db, { rows: o.memRows, days: 20, threadMessages: 0, seed: 7 });
  console.log(`\nmemory: ${o.memRows} rows (${((performance.now() - t0) / 1000).toFixed(1)} s to build), one child process per measurement`);
  const runs = { reference: [], ours: [] };
  for (let rep = 0; rep < o.memReps; rep++) {
    const order = rep % 2 === 0 ? IMPLS : [...IMPLS].reverse();
    for (const impl of order) {
      const child = spawnSync(process.execPath, ['--expose-gc', '--disable-warning=ExperimentalWarning', join(HERE, 'mem-child.mjs'), impl, db], {
        cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`memory child (${impl}) failed: ${child.stderr}`);
      const res = JSON.parse(child.stdout.trim().split('\n').pop());
      runs[impl].push(res);
      console.log(`  ${pad(impl, 10)} rows=${res.rows} time=${fmtTime(res.ms)} peak RSS growth=${fmtBytes(res.peakRssGrowth)} (peak RSS ${fmtBytes(res.peakRss)}), heapUsed growth=${fmtBytes(res.heapUsedGrowth)}${res.peakReset ? '' : ' [VmHWM not reset]'}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const med = (impl, f) => quantile(runs[impl].map((r) => r[f]).sort((a, b) => a - b), 0.5);
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

// ---------------------------------------------------------------- report
function printTable(results) {
  const cols = [
    ['workload', 44], ['reference', 11, true], ['ours', 11, true], ['ratio', 8, true],
    ['rounds min..max', 17, true], ['samples r/o', 13, true], ['same', 5, true],
  ];
  const line = (vals) => cols.map(([, w, right], i) => pad(vals[i], w, right)).join(' ');
  console.log(`\n${line(cols.map((c) => c[0]))}`);
  console.log('-'.repeat(cols.reduce((a, c) => a + c[1] + 1, -1)));
  for (const r of results) {
    console.log(line([
      r.name,
      fmtTime(r.reference.median_ms),
      fmtTime(r.ours.median_ms),
      `${r.ratio.toFixed(2)}x`,
      `${r.round_ratio_min.toFixed(2)}..${r.round_ratio_max.toFixed(2)}`,
      `${r.reference.samples}/${r.ours.samples}`,
      r.same ? 'yes' : 'NO',
    ]));
  }
  console.log('ratio = median(reference) / median(ours): > 1 means ours is faster. Times are medians per call.');
  if (results.some((r) => r.key.startsWith('blob.write'))) {
    console.log('note: the reference writes blobs without fsync; ours fsyncs the file and its directory.');
  }
  for (const r of results.filter((x) => !x.same)) {
    console.log(`DIFFERENT RESULTS in ${r.key}:\n  reference: ${r.verify.reference.slice(0, 300)}\n  ours:      ${r.verify.ours.slice(0, 300)}`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.list) {
    for (const w of WORKLOADS) console.log(`${pad(w.key, 26)} ${w.name}`);
    console.log(`${pad('mem', 26)} memory query() 1M rows (child processes)`);
    return;
  }
  const selected = o.filters.length === 0
    ? WORKLOADS
    : WORKLOADS.filter((w) => o.filters.some((f) => w.key.toLowerCase().includes(f) || w.name.toLowerCase().includes(f)));
  if (selected.length === 0 && !o.mem) throw new Error(`no workload matches ${o.filters.join(', ')} (see --list)`);
  if (typeof globalThis.gc !== 'function') console.log('note: run node with --expose-gc for a clean heap before heavy calls');

  const started = new Date();
  const t0 = performance.now();
  console.log(`nerve-store bench: node ${process.version}, rounds=${o.rounds}${o.quick ? ' (quick)' : ''}, ${selected.length} workloads${o.mem ? ' + memory' : ''}`);
  const env = await makeEnv(o);
  const results = [];
  let memory = null;
  try {
    for (const w of selected) {
      const w0 = performance.now();
      const r = runWorkload(w, env, o);
      results.push(r);
      console.log(`  ${pad(w.name, 44)} ref ${pad(fmtTime(r.reference.median_ms), 10, true)}  ours ${pad(fmtTime(r.ours.median_ms), 10, true)}  ${pad(r.ratio.toFixed(2), 6, true)}x  ${r.same ? '' : '[RESULTS DIFFER] '}(${((performance.now() - w0) / 1000).toFixed(1)} s)`);
    }
    if (o.mem) memory = runMemory(env, o);
  } finally {
    env.close();
  }
  printTable(results);
  if (memory) {
    console.log(`\nquery() of ${memory.rows} rows, median of ${o.memReps} child run(s) each:`);
    for (const impl of IMPLS) {
      const m = memory[impl];
      console.log(`  ${pad(impl, 10)} time ${pad(fmtTime(m.ms), 9, true)}  peak RSS growth ${pad(fmtBytes(m.peak_rss_growth_bytes), 9, true)}  retained heap ${pad(fmtBytes(m.heap_used_growth_bytes), 9, true)}`);
    }
    console.log(`  ratio: time ${memory.time_ratio.toFixed(2)}x, peak RSS growth ${memory.peak_rss_growth_ratio.toFixed(2)}x (reference / ours)`);
  }
  const totalS = (performance.now() - t0) / 1000;
  console.log(`\ntotal ${totalS.toFixed(0)} s`);

  const report = {
    meta: {
      started: started.toISOString(),
      total_s: totalS,
      node: process.version,
      reference: '@uncaged/nerve-store@0.5.0',
      tinybench: '6.2.3',
      commit: git(['rev-parse', 'HEAD']),
      dirty_files: (git(['status', '--porcelain']) ?? '').split('\n').filter(Boolean).length,
      addon: env.addon,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      total_mem_bytes: totalmem(),
      tmpdir: tmpdir(),
    },
    options: { quick: o.quick, rounds: o.rounds, time_scale: o.timeScale, filters: o.filters, mem: o.mem, mem_rows: o.memRows, mem_reps: o.memReps },
    ratio_definition: 'median(reference ms) / median(ours ms); > 1 means ours is faster',
    results,
    memory,
  };
  const out = o.out ?? join(ROOT, 'bench-results', 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (!o.out) {
    writeFileSync(join(ROOT, 'bench-results', `${started.toISOString().replace(/[:.]/g, '-')}.json`), `${JSON.stringify(report, null, 2)}\n`);
  }
  console.log(`wrote ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
