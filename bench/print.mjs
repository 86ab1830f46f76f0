// The tables `npm run bench` prints after its runs: the ratio table, throughput, lag, files,
// memory and the targets.
import { describeContention } from './lag.mjs';
import { fmtBytes, fmtRate, fmtTime, fmtX, pad } from './stats.mjs';

const IMPLS = ['reference', 'ours'];

export function printTable(results) {
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

export function printThroughput(tp) {
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

export function printLag(lag) {
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

export function printFiles(f) {
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

export function printMemory(memory, reps) {
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

export function printTargets(targets, summary) {
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
