// nerve-store-native vs @uncaged/nerve-store@0.5.0 (the reference), in one process, with the
// Rust floor (benches/floor.rs) run alongside, and a verdict on every target of the performance
// issue at the end.
//
//   npm run bench                       full run (~8-10 min), writes bench-results/latest.json
//   npm run bench -- --quick            smoke run (about a minute; reduced sizes are not counted)
//   npm run bench -- thread blob.read   only workloads and sections whose key or name contains a filter
//   npm run bench -- --list             list workload and section keys
// Options: --rounds N, --time-scale X (multiplies every time budget), --no-floor,
//          --skip FILTER (repeatable), --no-mem / --mem, --mem-rows N, --mem-reps N,
//          --lag-rows N, --lag-reps N, --file-mib N, --search-rows N, --out FILE,
//          --addon FILE (a .node to load as ours; default: the package's own, as built by
//          `npm run build`). The addon is copied to a private directory at start, so a rebuild
//          during the run cannot swap it out; a build with debug info (npm run build:debug) is
//          flagged loudly, since its numbers mean nothing. The floor binary is pinned the same way.
//
// Method: every workload runs in rounds; each round is one tinybench Bench holding the reference
// and ours, and the order alternates round to round (reference first, then ours first), so drift
// on this shared machine hits both. Samples are pooled over the rounds; the ratio is
// median(reference) / median(ours), so > 1 means ours is faster. The spread of the per-round
// ratios shows how much the noise moved it. Both implementations read identical copies of one
// template database, built once with the reference's createLogStore and node:sqlite.
// See bench/README.md for the sections (floor, throughput, lag, files, memory) and the targets.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { buildTemplate, copyDb } from './data.mjs';
import { Floor, FloorSeries } from './floor.mjs';
import { describeContention, runArchiveLag, runQueryLag } from './lag.mjs';
import { SEARCH_SECTIONS } from './search-sections.mjs';
import { fmtBytes, fmtRate, fmtTime, fmtX, median, pad, quantile, summarize } from './stats.mjs';
import { evaluateTargets, FULL_FILE_BYTES, FULL_ROWS, summarizeTargets } from './targets.mjs';
import { runThroughput } from './throughput.mjs';
import { ARCHIVE_NOW, blobContent, WORKLOADS } from './workloads.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const IMPLS = ['reference', 'ours'];
const MiB = 1024 * 1024;
const TEMPLATE_ROWS = 100_000;

/** The parts that are not ratio-table workloads; filters and --skip match their key or name. */
const SECTIONS = {
  throughput: { key: 'throughput', name: 'append / appendMany / appendAsync throughput (rows/s)' },
  queryLag: { key: 'lag.queryAsync', name: 'queryAsync 100k rows: main-thread lag (ref: query)' },
  archiveLag: { key: 'lag.archiveAsync', name: 'archiveLogsAsync 1M rows: main-thread lag (ref: archiveLogs)' },
  files: { key: 'file', name: 'writeFile / readToFile 1 GiB: peak RSS (child process)' },
  mem: { key: 'mem', name: 'memory query() 1M rows (child processes)' },
  // search, the large async reads' lag, the archive-search hook: run and printed by their module
  ...Object.fromEntries(Object.entries(SEARCH_SECTIONS).map(([k, x]) => [k, { key: x.key, name: x.name }])),
};

// ---------------------------------------------------------------- options
const OPTIONS = {
  quick: { type: 'boolean' },
  rounds: { type: 'string' },
  'time-scale': { type: 'string' },
  'no-floor': { type: 'boolean' },
  skip: { type: 'string', multiple: true },
  mem: { type: 'boolean' },
  'no-mem': { type: 'boolean' },
  'mem-rows': { type: 'string' },
  'mem-reps': { type: 'string' },
  'lag-rows': { type: 'string' },
  'lag-reps': { type: 'string' },
  'file-mib': { type: 'string' },
  'search-rows': { type: 'string' },
  out: { type: 'string' },
  addon: { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
/** The options whose value is a positive number. */
const NUMERIC = new Set([
  'rounds',
  'time-scale',
  'mem-rows',
  'mem-reps',
  'lag-rows',
  'lag-reps',
  'file-mib',
  'search-rows',
]);

function readOptions(argv) {
  // Not strict: an option's value is the argument after it, whatever it looks like (`--rounds -5` is
  // a bad number, not a missing value), and the errors are worded here, checked in the order of the
  // command line, so --help acts where it stands.
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = Object.hasOwn(OPTIONS, t.name) ? OPTIONS[t.name] : null;
    if (spec === null || (spec.type === 'boolean' && t.value !== undefined)) {
      throw new Error(`unknown option ${t.inlineValue ? `${t.rawName}=${t.value}` : t.rawName} (try --help)`);
    }
    if (spec.type === 'string' && t.value === undefined) throw new Error(`${t.rawName} needs a value`);
    if (NUMERIC.has(t.name) && !(Number(t.value) > 0)) throw new Error(`${t.rawName} needs a positive number`);
    if (t.name === 'help') {
      console.log(readUsage());
      process.exit(0);
    }
  }
  const num = (name) => (values[name] === undefined ? null : Number(values[name]));
  const lastMem = tokens.findLast((t) => t.name === 'mem' || t.name === 'no-mem');
  const o = {
    quick: values.quick === true,
    rounds: num('rounds'),
    timeScale: num('time-scale') ?? 1,
    floor: values['no-floor'] !== true,
    mem: lastMem === undefined ? null : lastMem.name === 'mem',
    memRows: num('mem-rows') ?? FULL_ROWS,
    memReps: num('mem-reps'),
    lagRows: num('lag-rows'),
    lagReps: num('lag-reps'),
    fileMiB: num('file-mib'),
    searchRows: num('search-rows'),
    out: values.out ?? null,
    addon: values.addon === undefined ? null : resolve(values.addon),
    list: values.list === true,
    filters: positionals.map((f) => f.toLowerCase()),
    skips: (values.skip ?? []).map((f) => f.toLowerCase()),
  };
  o.rounds ??= o.quick ? 2 : 6;
  o.memReps ??= o.quick ? 1 : 2;
  // --quick: the archive and read lags run on 100k rows (the template for the archive), search on
  // 100k rows and the file APIs on 128 MiB; all are reported as "not counted". The full sizes are
  // 1M rows and 1 GiB.
  o.lagRows ??= o.quick ? TEMPLATE_ROWS : FULL_ROWS;
  o.searchRows ??= o.quick ? TEMPLATE_ROWS : FULL_ROWS;
  o.lagReps ??= o.quick ? 1 : 2;
  o.fileMiB ??= o.quick ? 128 : 1024;
  if (o.quick) o.timeScale *= 0.2;
  return o;
}

function readUsage() {
  return (
    'usage: npm run bench -- [--quick] [--rounds N] [--time-scale X] [--no-floor] [--skip FILTER]... ' +
    '[--mem|--no-mem] [--mem-rows N] [--mem-reps N] [--lag-rows N] [--lag-reps N] [--file-mib N] [--search-rows N] ' +
    '[--out FILE] [--addon FILE] [--list] [filter...]'
  );
}

const matchesAny = (item, fs) =>
  fs.some((f) => item.key.toLowerCase().includes(f) || item.name.toLowerCase().includes(f));

function selection(o) {
  const pick = (item) => (o.filters.length === 0 || matchesAny(item, o.filters)) && !matchesAny(item, o.skips);
  const sections = Object.fromEntries(Object.entries(SECTIONS).map(([k, s]) => [k, pick(s)]));
  // Memory (1M rows, a minute or more): on in a full run, off in --quick unless a filter names it.
  const memNamed = o.filters.length > 0 && sections.mem;
  sections.mem = o.mem ?? (o.quick ? memNamed : sections.mem);
  if (o.mem === true && matchesAny(SECTIONS.mem, o.skips)) sections.mem = false;
  return { workloads: WORKLOADS.filter(pick), sections };
}

/** tinybench budgets per kind of workload (ms); `iterations` is the minimum per round. */
function budget(cost, o) {
  const s = o.timeScale;
  switch (cost) {
    case 'fast':
      return { time: 500 * s, iterations: o.quick ? 5 : 20, warmupTime: 100 * s, warmupIterations: 10 };
    case 'scan':
      return { time: 1000 * s, iterations: o.quick ? 1 : 3, warmupTime: 0, warmupIterations: o.quick ? 1 : 2 };
    case 'bigblob':
      return { time: 600 * s, iterations: o.quick ? 1 : 3, warmupTime: 0, warmupIterations: 2 };
    case 'archive':
      return { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 1 };
    default:
      throw new Error(`unknown cost ${cost}`);
  }
}

/** Criterion chunk lengths (s): short chunks between rounds for targets, one longer one otherwise. */
function floorChunk(o, target) {
  const s = o.timeScale;
  return target
    ? { measurementS: Math.max(0.3, 1 * s), warmupS: Math.max(0.1, 0.3 * s) }
    : { measurementS: Math.max(0.3, 2 * s), warmupS: Math.max(0.1, 0.5 * s) };
}

// ---------------------------------------------------------------- environment
function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
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
 * (NAPI_RS_NATIVE_LIBRARY_PATH, inherited by the child processes too).
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
    console.log(
      'WARNING: this addon has debug info: it looks like a DEBUG build (npm run build:debug). Benchmark a release build (npm run build).',
    );
  }
  const mods = {
    reference: await import('@uncaged/nerve-store'),
    ours: await import(new URL('../index.mjs', import.meta.url).href),
  };
  const template = join(tmp, 'template', 'logs.db');
  mkdirSync(dirname(template), { recursive: true });
  const t0 = performance.now();
  buildTemplate(mods.reference.createLogStore, template, { rows: TEMPLATE_ROWS, days: 20, threadMessages: 2500 });
  console.log(
    `template: 100k rows over 20 days, 2.5k thread messages (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );

  const readStores = {};
  const blobs = {};
  const bigDbs = {};
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
    /** A closed database of `rows` rows over 20 days (no thread), built once, shared by memory and lag. */
    bigDb(rows) {
      if (!bigDbs[rows]) {
        const db = join(tmp, `big-${rows}`, 'logs.db');
        mkdirSync(dirname(db), { recursive: true });
        const t1 = performance.now();
        buildTemplate(mods.reference.createLogStore, db, { rows, days: 20, threadMessages: 0, seed: 7 });
        console.log(`  built a ${rows}-row database over 20 days (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
        bigDbs[rows] = db;
      }
      return bigDbs[rows];
    },
    close() {
      for (const s of Object.values(readStores)) s.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- one workload
/**
 * One round of a workload bound by fsync latency, which moves by tens of percent from one second
 * to the next on a shared disk: the two implementations take turns call by call (which goes first
 * alternates too), so each pair of calls meets the same disk, and a round's ratio measures the
 * implementations rather than the moment. Same budget as a tinybench round; sync calls only.
 * Returns each implementation's call times (ms).
 */
function alternateRound(tasks, order, b, warmup) {
  const call = (impl) => {
    const t = tasks[impl];
    t.beforeEach?.();
    const t0 = performance.now();
    t.fn();
    const ms = performance.now() - t0;
    t.afterEach?.();
    return ms;
  };
  if (warmup) {
    const until = performance.now() + b.warmupTime;
    for (let i = 0; i < b.warmupIterations || performance.now() < until; i++) for (const impl of order) call(impl);
  }
  const out = { reference: [], ours: [] };
  const until = performance.now() + 2 * b.time;
  for (let i = 0; i < b.iterations || performance.now() < until; i++) {
    const pair = i % 2 === 0 ? order : [...order].reverse();
    for (const impl of pair) out[impl].push(call(impl));
  }
  return out;
}

async function runWorkload(w, env, o, floor) {
  const missing = w.requires?.(env);
  if (missing) return { key: w.key, name: w.name, info: !!w.info, available: false, missing };
  const b = budget(w.cost, o);
  const verify = {};
  for (const impl of IMPLS) {
    try {
      verify[impl] = await w.verify(impl, env);
    } catch (e) {
      verify[impl] = `threw: ${e.message}`;
    }
  }
  const same = verify.reference === verify.ours;
  const tasks = Object.fromEntries(IMPLS.map((impl) => [impl, w.make(impl, env)]));
  const samples = { reference: [], ours: [] };
  const roundMedians = { reference: [], ours: [] };
  const load = [loadavg()[0]];
  // The floor: for a target, short chunks before every round and after the last, interleaved with
  // the Node rounds; otherwise one chunk before the rounds.
  const fl = floor && w.floor ? new FloorSeries(floor, w.floor, floorChunk(o, w.floorTarget)) : null;
  try {
    if (fl) fl.chunk();
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
      if (w.alternate) {
        const round = alternateRound(tasks, order, b, r === 0);
        for (const impl of IMPLS) {
          for (const x of round[impl]) samples[impl].push(x);
          roundMedians[impl].push(median(round[impl]));
        }
        if (fl && w.floorTarget) fl.chunk();
        continue;
      }
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
        bench.add(impl, t.fn, {
          beforeEach: t.beforeEach,
          afterEach: t.afterEach,
          ...(w.async ? { async: impl === 'ours' } : {}),
        });
      }
      if (w.async) await bench.run();
      else bench.runSync();
      for (const task of bench.tasks) {
        const lat = task.result.latency;
        for (const x of lat.samples) samples[task.name].push(x);
        roundMedians[task.name].push(lat.p50);
      }
      if (fl && w.floorTarget) fl.chunk();
    }
  } finally {
    for (const impl of IMPLS) tasks[impl].close?.();
    globalThis.gc?.();
  }
  load.push(loadavg()[0]);
  const reference = summarize(samples.reference, roundMedians.reference);
  const ours = summarize(samples.ours, roundMedians.ours);
  const roundRatios = roundMedians.reference.map((m, i) => m / roundMedians.ours[i]);
  const floorResult = fl ? fl.result() : null;
  // ours / floor. For a target, each round is paired with the floor chunks just before and after
  // it (geometric mean of their medians) and the figure is the median over rounds of those
  // ratios, so drift (fsync latency moves several-fold within a minute here) cancels; the pooled
  // medians' ratio is kept beside it. Otherwise the pooled medians' ratio.
  let floorCmp = {};
  if (floorResult && Number.isFinite(floorResult.median_ms)) {
    const pooled = ours.median_ms / floorResult.median_ms;
    const cm = floorResult.chunk_medians_ms;
    if (w.floorTarget && cm.length === o.rounds + 1) {
      const paired = roundMedians.ours.map((m, i) => m / Math.sqrt(cm[i] * cm[i + 1]));
      floorCmp = {
        ours_vs_floor: median(paired),
        ours_vs_floor_rounds: paired,
        ours_vs_floor_pooled: pooled,
        ours_vs_floor_method: 'median of per-round ratios to the adjacent floor chunks',
      };
    } else {
      floorCmp = { ours_vs_floor: pooled, ours_vs_floor_pooled: pooled, ours_vs_floor_method: 'pooled medians' };
    }
  }
  return {
    key: w.key,
    name: w.name,
    info: !!w.info,
    available: true,
    same,
    ...(same ? {} : { verify }),
    ratio: reference.median_ms / ours.median_ms,
    round_ratio_min: Math.min(...roundRatios),
    round_ratio_max: Math.max(...roundRatios),
    round_ratios: roundRatios,
    reference,
    ours,
    ...(floorResult ? { floor: floorResult, ...floorCmp } : {}),
    loadavg1: load,
  };
}

// ---------------------------------------------------------------- memory (child processes)
function runMemory(env, o) {
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
function runFiles(env, o) {
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

// ---------------------------------------------------------------- report
function printTable(results) {
  if (results.length === 0) return;
  const cols = [
    ['workload', 44],
    ['reference', 10, true],
    ['ours', 10, true],
    ['ratio', 7, true],
    ['rounds min..max', 16, true],
    ['samples r/o', 12, true],
    ['same', 4, true],
    ['floor', 10, true],
    ['ours/floor', 10, true],
  ];
  const line = (vals) => cols.map(([, w, right], i) => pad(vals[i] ?? '', w, right)).join(' ');
  console.log(`\n${line(cols.map((c) => c[0]))}`);
  console.log('-'.repeat(cols.reduce((a, c) => a + c[1] + 1, -1)));
  for (const r of results) {
    if (r.available === false) {
      console.log(line([r.name, '', '', 'n.a.', `${r.missing} missing`]));
      continue;
    }
    const floorOk = r.floor && Number.isFinite(r.floor.median_ms);
    console.log(
      line([
        r.name,
        fmtTime(r.reference.median_ms),
        fmtTime(r.ours.median_ms),
        `${r.ratio.toFixed(2)}x`,
        `${r.round_ratio_min.toFixed(2)}..${r.round_ratio_max.toFixed(2)}`,
        `${r.reference.samples}/${r.ours.samples}`,
        r.same ? 'yes' : 'NO',
        r.floor ? (floorOk ? fmtTime(r.floor.median_ms) : 'failed') : '',
        floorOk ? `${r.ours_vs_floor.toFixed(2)}x` : '',
      ]),
    );
  }
  console.log('ratio = median(reference) / median(ours): > 1 means ours is faster. Times are medians per call.');
  console.log(
    'floor = median of the Rust floor (benches/floor.rs) doing the same work; ours/floor <= 1.2 is the target for append and',
  );
  console.log(
    '  blob writes, where it is the median over rounds of ours / the floor chunks run just before and after that round.',
  );
  if (results.some((r) => r.key.startsWith('blob.write'))) {
    console.log('note: the reference writes blobs without fsync; ours fsyncs the file and its directory.');
  }
  if (results.some((r) => r.key.includes('Async') || r.key === 'query.async')) {
    console.log(
      "note: the *Async rows compare ours' promise API (awaited one call at a time) with the reference's synchronous call.",
    );
  }
  for (const r of results.filter((x) => x.available !== false && !x.same)) {
    console.log(
      `DIFFERENT RESULTS in ${r.key}:\n  reference: ${r.verify.reference.slice(0, 300)}\n  ours:      ${r.verify.ours.slice(0, 300)}`,
    );
  }
}

function printThroughput(tp) {
  console.log(
    `\nwrite throughput, median of ${tp.rounds} rounds (fresh 100k-row copy per measurement; ratios: median of the per-round ratios):`,
  );
  const row = (label, v, extra = '') => console.log(`  ${pad(label, 44)} ${pad(fmtRate(v), 16, true)}${extra}`);
  row('reference append (autocommit)', tp.rows_per_s.reference_append);
  const spread = (k) => {
    const xs = tp.round_ratios[k];
    return xs.length ? ` (rounds ${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}x)` : '';
  };
  row(
    'ours append (autocommit)',
    tp.rows_per_s.ours_append,
    `  ${fmtX(tp.ours_append_vs_reference_append)} reference${spread('ours_append_vs_reference_append')}`,
  );
  if (tp.available.appendMany) {
    row(
      `ours appendMany (${tp.batch} per call)`,
      tp.rows_per_s.ours_appendMany,
      `  ${fmtX(tp.appendMany_vs_ours_append, 1)} ours append${spread('appendMany_vs_ours_append')}, ${fmtX(tp.appendMany_vs_reference_append, 1)} reference append; same: ${tp.same.appendMany}`,
    );
  } else console.log(`  ${pad(`ours appendMany (${tp.batch} per call)`, 44)} ${pad('n.a.', 16, true)}  not available`);
  if (tp.available.appendAsync) {
    row(
      `ours appendAsync (${tp.in_flight} in flight)`,
      tp.rows_per_s.ours_appendAsync,
      `  ${fmtX(tp.appendAsync_vs_ours_append, 1)} ours append${spread('appendAsync_vs_ours_append')}, ${fmtX(tp.appendAsync_vs_reference_append, 1)} reference append; same: ${tp.same.appendAsync}`,
    );
  } else
    console.log(`  ${pad(`ours appendAsync (${tp.in_flight} in flight)`, 44)} ${pad('n.a.', 16, true)}  not available`);
  if (tp.floor) {
    if (Number.isFinite(tp.floor.rows_per_s)) row(`floor: ${tp.batch} INSERTs in one transaction`, tp.floor.rows_per_s);
    else console.log(`  floor failed: ${tp.floor.error}`);
  }
  for (const [k, e] of Object.entries(tp.errors)) console.log(`  ERROR in ${k}: ${e}`);
}

function printLag(lag) {
  const q = lag.query;
  if (q) {
    console.log(
      `\nqueryAsync() over 100k rows, main-thread lag (1 ms setInterval; idle worst ${q.idle_max_lag_ms.toFixed(1)} ms):`,
    );
    console.log(
      `  reference query()  ${fmtTime(q.reference.median_ms)}, worst lag ${fmtTime(q.reference.max_lag_ms)} (${q.reference.runs.length} runs)`,
    );
    console.log(
      q.available
        ? `  ours queryAsync()  ${fmtTime(q.ours.median_ms)}, worst lag ${fmtTime(q.ours.max_lag_ms)}${q.ours.worst_run ? describeContention(q.ours.worst_run) : ''} (${q.ours.runs.length} runs)`
        : '  ours queryAsync()  n.a. (not available)',
    );
    for (const [k, e] of Object.entries(q.errors)) console.log(`  ERROR in ${k}: ${e}`);
  }
  const a = lag.archive;
  if (a) {
    console.log(
      `\narchive of ${a.rows} rows over ${a.days} days, main-thread lag (1 ms setInterval; idle worst ${a.idle_max_lag_ms.toFixed(1)} ms)${a.counted ? '' : ' [reduced size: not counted]'}:`,
    );
    console.log(
      `  reference archiveLogs()       ${fmtTime(a.reference.median_ms)}, worst lag ${fmtTime(a.reference.max_lag_ms)} (${a.reference.runs.length} runs)`,
    );
    if (a.available) {
      console.log(
        `  ours archiveLogsAsync()       ${fmtTime(a.ours.median_ms)}, worst lag ${fmtTime(a.ours.max_lag_ms)}${a.ours.worst_run ? describeContention(a.ours.worst_run) : ''} (${a.ours.runs.length} runs)`,
      );
      console.log(
        `  duration ratio ${fmtX(a.duration_ratio)} (reference / ours); results (days, rowCount) ${a.same ? 'equal' : 'DIFFER'}`,
      );
    } else console.log('  ours archiveLogsAsync()       n.a. (not available)');
    for (const [k, e] of Object.entries(a.errors)) console.log(`  ERROR in ${k}: ${e}`);
  }
}

function printFiles(f) {
  console.log(
    `\nlarge blobs through files, ${fmtBytes(f.bytes)}, child process${f.counted ? '' : ' [reduced size: not counted]'}:`,
  );
  if (f.skipped) return console.log(`  skipped: ${f.skipped}`);
  if (f.error) console.log(`  ERROR: ${f.error}`);
  for (const api of ['writeFile', 'readToFile']) {
    const x = f[api];
    if (!x) continue;
    if (!x.available) console.log(`  ${pad(api, 11)} n.a. (not available)`);
    else
      console.log(
        `  ${pad(api, 11)} ${fmtTime(x.ms)}, ${x.mib_per_s.toFixed(0)} MiB/s, peak RSS growth ${fmtBytes(x.peak_rss_growth_bytes)}${x.peak_reset ? '' : ' [VmHWM not reset]'}${x.ok ? '' : ` WRONG RESULT: ${x.error}`}`,
      );
  }
}

function printMemory(memory, reps) {
  console.log(`\nquery() of ${memory.rows} rows, median of ${reps} child run(s) each:`);
  for (const impl of IMPLS) {
    const m = memory[impl];
    console.log(
      `  ${pad(impl, 10)} time ${pad(fmtTime(m.ms), 9, true)}  peak RSS growth ${pad(fmtBytes(m.peak_rss_growth_bytes), 9, true)}  retained heap ${pad(fmtBytes(m.heap_used_growth_bytes), 9, true)}`,
    );
  }
  console.log(
    `  ratio: time ${memory.time_ratio.toFixed(2)}x, peak RSS growth ${memory.peak_rss_growth_ratio.toFixed(2)}x (reference / ours)`,
  );
}

function printTargets(targets, summary) {
  console.log('\nTargets');
  const w = [48, 16, 12];
  console.log(`${pad('target', w[0])} ${pad('threshold', w[1])} ${pad('status', w[2])} measured`);
  console.log('-'.repeat(130));
  for (const x of targets) {
    console.log(
      `${pad(x.target, w[0])} ${pad(x.threshold, w[1])} ${pad(x.status, w[2])} ${x.figure}${x.note ? ` [${x.note}]` : ''}`,
    );
  }
  console.log(summary.line);
}

async function main() {
  const o = readOptions(process.argv.slice(2));
  if (o.list) {
    for (const w of WORKLOADS) console.log(`${pad(w.key, 26)} ${w.name}`);
    for (const s of Object.values(SECTIONS)) console.log(`${pad(s.key, 26)} ${s.name}`);
    return;
  }
  const { workloads: selected, sections } = selection(o);
  const sectionNames = Object.entries(sections)
    .filter(([, on]) => on)
    .map(([k]) => k);
  if (selected.length === 0 && sectionNames.length === 0)
    throw new Error(`nothing matches ${o.filters.join(', ')} (see --list)`);
  if (typeof globalThis.gc !== 'function')
    console.log('note: run node with --expose-gc for a clean heap before heavy calls');

  const started = new Date();
  const t0 = performance.now();
  console.log(
    `nerve-store bench: node ${process.version}, rounds=${o.rounds}${o.quick ? ' (quick)' : ''}, ${selected.length} workloads${sectionNames.length ? ` + ${sectionNames.join(', ')}` : ''}${o.floor ? '' : ', no floor'}`,
  );
  const env = await makeEnv(o);
  const results = [];
  const lag = {};
  let memory = null;
  let throughput = null;
  let files = null;
  let floor = null;
  const extra = {};
  try {
    if (o.floor && (selected.some((w) => w.floor) || sections.throughput)) {
      floor = new Floor({ root: ROOT, dir: join(env.tmp, 'floor'), rebuild: !o.quick });
      const f0 = performance.now();
      if (floor.prepare())
        console.log(
          `floor: ${floor.info.how}, binary built ${floor.info.built} (${((performance.now() - f0) / 1000).toFixed(0)} s)`,
        );
      else {
        console.log(`floor: NOT AVAILABLE: ${floor.error}`);
        floor = null;
      }
    }
    for (const w of selected) {
      const w0 = performance.now();
      const r = await runWorkload(w, env, o, floor);
      results.push(r);
      if (r.available === false) {
        console.log(`  ${pad(w.name, 44)} n.a.: ${r.missing} not available`);
        continue;
      }
      const fl = r.floor
        ? `  floor ${Number.isFinite(r.floor.median_ms) ? `${pad(fmtTime(r.floor.median_ms), 9, true)}` : 'failed'}`
        : '';
      console.log(
        `  ${pad(w.name, 44)} ref ${pad(fmtTime(r.reference.median_ms), 10, true)}  ours ${pad(fmtTime(r.ours.median_ms), 10, true)}  ${pad(r.ratio.toFixed(2), 6, true)}x${fl}  ${r.same ? '' : '[RESULTS DIFFER] '}(${((performance.now() - w0) / 1000).toFixed(1)} s)`,
      );
    }
    if (sections.throughput) {
      console.log(`\n${SECTIONS.throughput.name}`);
      const fs = floor ? new FloorSeries(floor, 'sqlite/insert_1000_in_one_transaction', floorChunk(o, true)) : null;
      throughput = await runThroughput(
        env,
        {
          rounds: o.quick ? 2 : 5,
          budgetMs: Math.max(200, 600 * o.timeScale),
          asyncBudgetMs: Math.max(300, 1000 * o.timeScale),
        },
        fs,
        (m) => console.log(`  ${m}`),
      );
    }
    if (sections.queryLag) {
      console.log(`\n${SECTIONS.queryLag.name}`);
      lag.query = await runQueryLag(env, { reps: o.quick ? 1 : 3 }, (m) => console.log(`  ${m}`));
    }
    if (sections.archiveLag) {
      console.log(`\narchiveLogsAsync over ${o.lagRows} rows: main-thread lag (ref: archiveLogs)`);
      const db = o.lagRows === TEMPLATE_ROWS ? env.template : env.bigDb(o.lagRows);
      lag.archive = await runArchiveLag(
        env,
        {
          db,
          rows: o.lagRows,
          days: 20,
          now: ARCHIVE_NOW,
          reps: o.lagReps,
          counted: o.lagRows >= FULL_ROWS,
        },
        (m) => console.log(`  ${m}`),
      );
    }
    if (sections.files) {
      console.log(`\nwriteFile / readToFile over ${fmtBytes(o.fileMiB * MiB)} (child process)`);
      files = runFiles(env, o);
    }
    if (sections.mem) {
      console.log(`\n${SECTIONS.mem.name}`);
      memory = runMemory(env, o);
    }
    for (const [k, x] of Object.entries(SEARCH_SECTIONS)) {
      if (!sections[k]) continue;
      console.log(`\n${x.name}`);
      extra[k] = await x.run(env, o, (m) => console.log(`  ${m}`));
    }
  } finally {
    env.close();
  }
  printTable(results);
  if (throughput) printThroughput(throughput);
  if (lag.query || lag.archive) printLag(lag);
  if (files) printFiles(files);
  if (memory) printMemory(memory, o.memReps);
  for (const [k, x] of Object.entries(SEARCH_SECTIONS)) if (extra[k]) x.print(extra[k]);

  const report = {
    meta: {
      started: started.toISOString(),
      total_s: 0,
      node: process.version,
      reference: '@uncaged/nerve-store@0.5.0',
      tinybench: '6.2.3',
      commit: git(['rev-parse', 'HEAD']),
      dirty_files: (git(['status', '--porcelain']) ?? '').split('\n').filter(Boolean).length,
      addon: env.addon,
      floor: floor?.info ?? (o.floor ? null : 'skipped (--no-floor)'),
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      total_mem_bytes: totalmem(),
      tmpdir: tmpdir(),
    },
    options: {
      quick: o.quick,
      rounds: o.rounds,
      time_scale: o.timeScale,
      filters: o.filters,
      skips: o.skips,
      floor: o.floor,
      sections: sectionNames,
      mem_rows: o.memRows,
      mem_reps: o.memReps,
      lag_rows: o.lagRows,
      lag_reps: o.lagReps,
      file_mib: o.fileMiB,
      search_rows: o.searchRows,
    },
    ratio_definition: 'median(reference ms) / median(ours ms); > 1 means ours is faster',
    results,
    throughput,
    lag,
    files,
    memory,
    search: extra.search ?? null,
    read_lag: extra.readLag ?? null,
    archive_search: extra.archiveSearch ?? null,
  };
  const ratioKeys = WORKLOADS.filter((w) => !w.info).map((w) => w.key);
  report.targets = evaluateTargets(report, ratioKeys);
  report.targets_summary = summarizeTargets(report.targets);
  printTargets(report.targets, report.targets_summary);

  const totalS = (performance.now() - t0) / 1000;
  report.meta.total_s = totalS;
  console.log(`\ntotal ${totalS.toFixed(0)} s`);
  const out = o.out ?? join(ROOT, 'bench-results', 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (!o.out) {
    writeFileSync(
      join(ROOT, 'bench-results', `${started.toISOString().replace(/[:.]/g, '-')}.json`),
      `${JSON.stringify(report, null, 2)}\n`,
    );
  }
  console.log(`wrote ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
