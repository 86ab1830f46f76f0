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
// See bench/README.md for the sections (floor, throughput, lag, files, memory, search) and the
// targets. The options and the selection are in options.mjs, the environment in env.mjs, the
// sections run in child processes in child-sections.mjs and search-sections.mjs, the tables in
// print.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { runFiles, runMemory } from './child-sections.mjs';
import { git, makeEnv } from './env.mjs';
import { Floor, FloorSeries } from './floor.mjs';
import { runArchiveLag, runQueryLag } from './lag.mjs';
import { budget, floorChunk, readOptions, SECTIONS, selection, TEMPLATE_ROWS } from './options.mjs';
import { printFiles, printLag, printMemory, printTable, printTargets, printThroughput } from './print.mjs';
import { REMOTE_SECTIONS } from './remote-section.mjs';
import { SEARCH_SECTIONS } from './search-sections.mjs';

const CHILD_SECTIONS = { ...SEARCH_SECTIONS, ...REMOTE_SECTIONS };

import { fmtBytes, fmtTime, median, pad, summarize } from './stats.mjs';
import { evaluateTargets, FULL_ROWS, summarizeTargets } from './targets.mjs';
import { runThroughput } from './throughput.mjs';
import { ARCHIVE_NOW, WORKLOADS } from './workloads.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const IMPLS = ['reference', 'ours'];
const MiB = 1024 * 1024;

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
    for (const [k, x] of Object.entries(CHILD_SECTIONS)) {
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
  for (const [k, x] of Object.entries(CHILD_SECTIONS)) if (extra[k]) x.print(extra[k]);

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
    remote: extra.remote ?? null,
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
