// The targets of the performance issue, judged from one run's report.
// Status: PASS / FAIL; "n.a." when ours lacks the API; "not measured" when the run skipped it
// (filters, --skip, --no-floor, --quick) or it could not run; "not counted" when it ran at a
// reduced size (--quick), which shows the figure but does not count as met.
import { describeContention } from './lag.mjs';
import { remoteTargets } from './remote-section.mjs';
import { fmtBytes, fmtRate, fmtTime, fmtX, target } from './stats.mjs';
import { searchTargets } from './targets-search.mjs';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
export const FULL_ROWS = 1_000_000;
export const FULL_FILE_BYTES = GiB;

const spread = (xs, d = 1) => (xs?.length ? `${Math.min(...xs).toFixed(d)}..${Math.max(...xs).toFixed(d)}x` : 'n/a');

const t = target;

/**
 * @param report { results, throughput, lag: { archive, query }, files, memory, options, search,
 *   read_lag, archive_search }
 * @param ratioKeys keys of the workloads under "no workload slower than the reference"
 */
export function evaluateTargets(report, ratioKeys) {
  const byKey = new Map(report.results.map((r) => [r.key, r]));
  const out = [];

  // 1. every ratio >= 1.0, durable blob writes aside
  {
    const name = 'no workload slower than reference (writes aside)';
    const measured = ratioKeys.map((k) => byKey.get(k)).filter((r) => r && r.available !== false);
    const missing = ratioKeys.filter((k) => !byKey.has(k));
    const slow = measured.filter((r) => !(r.ratio >= 1) || !r.same);
    if (measured.length === 0) out.push(t(name, '>= 1.00x each', 'not measured', '-'));
    else {
      const min = measured.reduce((a, r) => (r.ratio < a.ratio ? r : a));
      const figure = `min ${fmtX(min.ratio)} (${min.key}); ${slow.length} of ${measured.length} below 1.00x${slow.length ? `: ${slow.map((r) => `${r.key} ${fmtX(r.ratio, 3)}${r.same ? '' : ' results differ'}`).join(', ')}` : ''}`;
      const status = slow.length ? 'FAIL' : missing.length ? 'not measured' : 'PASS';
      out.push(
        t(name, '>= 1.00x each', status, figure, missing.length ? `${missing.length} workload(s) not run` : undefined),
      );
    }
  }

  // 2. speed-ups against the reference
  const ratio = (key, label, min) => {
    const r = byKey.get(key);
    const threshold = `>= ${min.toFixed(1)}x`;
    if (!r) return t(label, threshold, 'not measured', '-');
    if (r.available === false) return t(label, threshold, 'n.a.', `${r.missing} not available`);
    if (!r.same) return t(label, threshold, 'FAIL', `${fmtX(r.ratio)}, results differ from the reference`);
    return t(
      label,
      threshold,
      r.ratio >= min ? 'PASS' : 'FAIL',
      `${fmtX(r.ratio)} (${fmtTime(r.reference.median_ms)} -> ${fmtTime(r.ours.median_ms)})`,
    );
  };
  out.push(ratio('query.all', 'query() 100k rows', 3));
  {
    // The floor is the reference's SQL alone (select and row-by-row delete of each day, one
    // commit; no JSON, no files): what any archive that deletes row by row pays at least.
    const a = ratio('archiveLogs', 'archiveLogs (20 days, 100k rows)', 3);
    const r = byKey.get('archiveLogs');
    if (r?.floor && Number.isFinite(r.floor.median_ms) && r.available !== false) {
      a.figure += `; row-by-row SQL alone ${fmtTime(r.floor.median_ms)}`;
    }
    out.push(a);
  }
  out.push(ratio('thread.rounds', 'getThreadRounds', 5));
  out.push(ratio('thread.roundCount', 'getThreadRoundCount', 5));
  out.push(ratio('thread.messages', 'getThreadMessages', 2));
  out.push(ratio('query.refId+limit', 'query({refId, limit})', 2));
  out.push(ratio('query.source+type+range', 'query({source, type, since, until})', 2));
  out.push(ratio('blob.read.1KiB', 'blob read 1 KiB', 1.2));
  out.push(ratio('blob.exists.1KiB', 'blob exists 1 KiB', 1.2));

  // 3. against the Rust floor
  const floor = (key, label, withReference) => {
    const r = byKey.get(key);
    const threshold = '<= 1.20x floor';
    if (!r) return t(label, threshold, 'not measured', '-');
    if (!r.same) return t(label, threshold, 'FAIL', 'results differ from the reference');
    const vsRef = withReference ? `; vs reference ${fmtX(r.ratio)} (reference does not fsync)` : '';
    if (!r.floor) return t(label, threshold, 'not measured', `floor not run (--no-floor)${vsRef}`);
    if (!Number.isFinite(r.floor.median_ms))
      return t(label, threshold, 'not measured', `floor failed: ${r.floor.error}${vsRef}`);
    const x = r.ours_vs_floor;
    const rounds = r.ours_vs_floor_rounds ? `rounds ${spread(r.ours_vs_floor_rounds, 2)}; ` : '';
    return t(
      label,
      threshold,
      x <= 1.2 ? 'PASS' : 'FAIL',
      `${fmtX(x)} (${rounds}pooled: ours ${fmtTime(r.ours.median_ms)}, floor ${fmtTime(r.floor.median_ms)})${vsRef}`,
    );
  };
  out.push(floor('blob.write.1KiB', 'blob write 1 KiB (durable) vs floor', true));
  out.push(floor('blob.write.16MiB', 'blob write 16 MiB (durable) vs floor', true));
  out.push(floor('append', 'append (autocommit) vs floor', false));

  // 4. memory of query() over 1M rows
  {
    const name = 'query() 1M rows: peak RSS growth <= reference';
    const m = report.memory;
    if (!m) out.push(t(name, '<= reference', 'not measured', '-'));
    else {
      const ok = m.ours.peak_rss_growth_bytes <= m.reference.peak_rss_growth_bytes;
      const figure = `${fmtBytes(m.ours.peak_rss_growth_bytes)} vs ${fmtBytes(m.reference.peak_rss_growth_bytes)}${m.rows < FULL_ROWS ? ` (${m.rows} rows)` : ''}`;
      out.push(t(name, '<= reference', m.rows < FULL_ROWS ? 'not counted' : ok ? 'PASS' : 'FAIL', figure));
    }
  }

  // 5. appendMany / appendAsync
  const tp = report.throughput;
  {
    const name = 'appendMany (1000/batch) vs autocommit append';
    if (!tp) out.push(t(name, '>= 20x', 'not measured', '-'));
    else if (!tp.available.appendMany) out.push(t(name, '>= 20x', 'n.a.', 'appendMany not available'));
    else if (tp.errors.ours_appendMany || tp.same.appendMany !== 'same') {
      out.push(
        t(name, '>= 20x', 'FAIL', tp.errors.ours_appendMany ?? `results vs reference append: ${tp.same.appendMany}`),
      );
    } else {
      const x = tp.appendMany_vs_ours_append;
      out.push(
        t(
          name,
          '>= 20x',
          x >= 20 ? 'PASS' : 'FAIL',
          `${fmtX(x, 1)} (rounds ${spread(tp.round_ratios.appendMany_vs_ours_append)}; medians ${fmtRate(tp.rows_per_s.ours_appendMany)} vs ${fmtRate(tp.rows_per_s.ours_append)}; vs reference append ${fmtX(tp.appendMany_vs_reference_append, 1)})`,
        ),
      );
    }
  }
  {
    const name = `appendAsync, 64 in flight: durable appends/s`;
    if (!tp) out.push(t(name, '>= 20k/s', 'not measured', '-'));
    else if (!tp.available.appendAsync) out.push(t(name, '>= 20k/s', 'n.a.', 'appendAsync not available'));
    else if (tp.errors.ours_appendAsync || tp.same.appendAsync !== 'same') {
      out.push(
        t(
          name,
          '>= 20k/s',
          'FAIL',
          tp.errors.ours_appendAsync ?? `results vs reference append: ${tp.same.appendAsync}`,
        ),
      );
    } else {
      const r = tp.rows_per_s.ours_appendAsync;
      out.push(
        t(
          name,
          '>= 20k/s',
          r >= 20_000 ? 'PASS' : 'FAIL',
          `${fmtRate(r, 'appends/s')} (median of ${tp.round_rates.ours_appendAsync.length}; ${fmtX(tp.appendAsync_vs_ours_append, 1)} autocommit append)`,
        ),
      );
    }
  }

  // 6. main-thread lag and queryAsync
  {
    const name = 'archiveLogsAsync 1M rows: worst main-thread lag';
    const a = report.lag?.archive;
    if (!a) out.push(t(name, '<= 20 ms', 'not measured', '-'));
    else if (!a.available)
      out.push(
        t(
          name,
          '<= 20 ms',
          'n.a.',
          `archiveLogsAsync not available (reference archiveLogs: lag ${fmtTime(a.reference.max_lag_ms)})`,
        ),
      );
    else if (a.errors.ours || !a.ours.runs.length) out.push(t(name, '<= 20 ms', 'FAIL', a.errors.ours ?? 'no run'));
    else if (a.same === false)
      out.push(t(name, '<= 20 ms', 'FAIL', 'archive results (days/rowCount) differ from the reference'));
    else {
      const lag = a.ours.max_lag_ms;
      const figure = `${lag.toFixed(1)} ms worst of ${a.ours.runs.length}${a.ours.worst_run ? describeContention(a.ours.worst_run) : ''} (idle ${a.idle_max_lag_ms.toFixed(1)} ms); async ${fmtTime(a.ours.median_ms)}, reference sync ${fmtTime(a.reference.median_ms)} (lag ${fmtTime(a.reference.max_lag_ms)})${a.counted ? '' : `; ${a.rows} rows`}`;
      out.push(t(name, '<= 20 ms', a.counted ? (lag <= 20 ? 'PASS' : 'FAIL') : 'not counted', figure));
    }
  }
  {
    const r = byKey.get('query.async');
    const label = 'queryAsync() 100k rows vs reference query()';
    const q = report.lag?.query;
    const lag = q?.available && q.ours.runs.length ? `; worst lag ${q.ours.max_lag_ms.toFixed(1)} ms` : '';
    if (!r) out.push(t(label, '>= 1.0x', 'not measured', '-'));
    else if (r.available === false) out.push(t(label, '>= 1.0x', 'n.a.', `${r.missing} not available`));
    else if (!r.same) out.push(t(label, '>= 1.0x', 'FAIL', `${fmtX(r.ratio)}, results differ from the reference`));
    else
      out.push(
        t(
          label,
          '>= 1.0x',
          r.ratio >= 1 ? 'PASS' : 'FAIL',
          `${fmtX(r.ratio)} (${fmtTime(r.reference.median_ms)} -> ${fmtTime(r.ours.median_ms)})${lag}`,
        ),
      );
  }

  // 7. large blobs through files
  for (const api of ['writeFile', 'readToFile']) {
    const name = `${api} 1 GiB: peak RSS growth`;
    const f = report.files;
    const x = f?.[api];
    if (!f) out.push(t(name, '<= 64 MiB', 'not measured', '-'));
    else if (f.error && !x) out.push(t(name, '<= 64 MiB', 'FAIL', f.error));
    else if (!x) out.push(t(name, '<= 64 MiB', 'not measured', f.skipped ?? '-'));
    else if (!x.available) out.push(t(name, '<= 64 MiB', 'n.a.', `${api} not available`));
    else if (!x.ok) out.push(t(name, '<= 64 MiB', 'FAIL', x.error ?? 'wrong result'));
    else {
      const figure = `${fmtBytes(x.peak_rss_growth_bytes)}, ${x.mib_per_s.toFixed(0)} MiB/s${f.counted ? '' : ` (${fmtBytes(f.bytes)} file)`}`;
      const ok = x.peak_rss_growth_bytes <= 64 * MiB;
      out.push(t(name, '<= 64 MiB', f.counted ? (ok ? 'PASS' : 'FAIL') : 'not counted', figure));
    }
  }

  // 8. search, the large async reads and iterate, the archive's search (targets-search.mjs)
  out.push(...searchTargets(report));
  // 9. the remote tier (remote-section.mjs)
  out.push(...remoteTargets(report.remote));
  return out;
}

export function summarizeTargets(targets) {
  const count = (s) => targets.filter((x) => x.status === s).length;
  const notMet = targets.length - count('PASS');
  const parts = [
    ['FAIL', count('FAIL')],
    ['n.a.', count('n.a.')],
    ['not measured', count('not measured')],
    ['not counted', count('not counted')],
  ]
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return {
    total: targets.length,
    met: targets.length - notMet,
    not_met: notMet,
    line: notMet === 0 ? 'all targets met' : `${notMet} target${notMet === 1 ? '' : 's'} not met (${parts.join(', ')})`,
  };
}
