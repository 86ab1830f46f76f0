// The targets of the search work, judged from one run's report (statuses as in targets.mjs):
// query times and the speed-up over the reference's query() + includes, the index's build rate
// and size (search section), the worst main-thread wait of each large async read and iterate's
// peak memory (lag.reads), and the archive-search figures once bench/archive-search.mjs exists.
import { describeContention } from './lag.mjs';
import { fmtBytes, fmtRate, fmtTime, fmtX, target } from './stats.mjs';

const MiB = 1024 * 1024;

const t = target;

/** PASS/FAIL, or "not counted" for a run at a reduced size. */
const verdict = (counted, ok) => (counted ? (ok ? 'PASS' : 'FAIL') : 'not counted');

function searchSection(s) {
  const out = [];
  const name = (x) => `search ${x}`;
  const size = s && !s.counted ? ` (${s.built.rows} rows)` : '';
  const timed = (label, threshold, max, get) => {
    if (!s) return out.push(t(name(label), threshold, 'not measured', '-'));
    const x = get(s);
    if (!x) return out.push(t(name(label), threshold, 'FAIL', 'no such page'));
    out.push(t(name(label), threshold, verdict(s.counted, x.median_ms <= max), `${fmtTime(x.median_ms)}${size}`));
  };
  timed('rare word, newest 50', '<= 5 ms', 5, (x) => x.words.rare.first);
  timed('common word, newest 50', '<= 5 ms', 5, (x) => x.words.common.first);
  timed('common word, next page', '<= 5 ms', 5, (x) => x.words.common.next_page);
  for (const w of ['rare', 'common']) {
    const label = name(`${w} word vs reference query()+includes`);
    const scan = s?.scan?.words[w];
    if (!scan) out.push(t(label, '>= 100x', 'not measured', '-'));
    else
      out.push(
        t(
          label,
          '>= 100x',
          verdict(s.counted, scan.ratio >= 100),
          `${fmtX(scan.ratio, 0)} (${fmtTime(scan.ms)} -> ${fmtTime(s.words[w].first.median_ms)})${size}`,
        ),
      );
  }
  timed('common word, one-day window', '<= 50 ms', 50, (x) => x.window);
  timed("order 'rank', common word, top 50", '<= 1 s', 1000, (x) => x.rank_common);
  if (!s) {
    out.push(t(name('index build'), '>= 20k rows/s', 'not measured', '-'));
    out.push(t(name('index file size'), '<= 0.80x payload', 'not measured', '-'));
  } else {
    const b = s.built;
    out.push(
      t(
        name('index build'),
        '>= 20k rows/s',
        verdict(s.counted, b.rows_per_s >= 20_000),
        `${fmtRate(b.rows_per_s)} (${b.build_s.toFixed(1)} s)${size}`,
      ),
    );
    out.push(
      t(
        name('index file size'),
        '<= 0.80x payload',
        verdict(s.counted, b.index_ratio <= 0.8),
        `${fmtX(b.index_ratio)} (${fmtBytes(b.index_bytes)} for ${fmtBytes(b.payload_bytes)})${size}`,
      ),
    );
  }
  return out;
}

/** The worst wait of each large async read, and iterate's peak RSS growth. */
function readLag(r) {
  const out = [];
  const rows = [
    ['queryAsync', 'queryAsync 1M rows'],
    ['searchAsync', 'searchAsync, 10k-row pages'],
    ['searchAsync rank', "searchAsync 'rank', top 10k"],
    ['readArchiveAsync', 'readArchiveAsync 550k rows'],
    ['iterate', 'iterate 1M rows'],
  ];
  for (const [op, label] of rows) {
    const name = `${label}: worst main-thread lag`;
    const x = r?.ops[op];
    if (!r) out.push(t(name, '<= 20 ms', 'not measured', '-'));
    else if (!x?.runs.length) out.push(t(name, '<= 20 ms', 'FAIL', r.errors[op] ?? 'no run'));
    else {
      const figure = `${x.max_lag_ms.toFixed(1)} ms worst of ${x.runs.length} (median ${x.median_lag_ms.toFixed(1)} ms)${describeContention(x.worst_run)}${r.counted ? '' : `; ${r.rows} rows`}`;
      out.push(t(name, '<= 20 ms', verdict(r.counted, x.max_lag_ms <= 20), figure));
    }
  }
  const name = 'iterate 1M rows: peak RSS growth';
  const it = r?.ops.iterate;
  if (!r) out.push(t(name, '<= 64 MiB', 'not measured', '-'));
  else if (!it?.runs.length) out.push(t(name, '<= 64 MiB', 'FAIL', r.errors.iterate ?? 'no run'));
  else {
    const figure = `${fmtBytes(it.peak_rss_growth_bytes)} (largest of ${it.runs.length})${r.counted ? '' : `; ${r.rows} rows`}`;
    out.push(t(name, '<= 64 MiB', verdict(r.counted, it.peak_rss_growth_bytes <= 64 * MiB), figure));
  }
  return out;
}

/**
 * The targets bench/archive-search.mjs measured (`{ counted, targets }`, see search-sections.mjs):
 * the archive search against `grep -F`, for a rare and a common word, and readArchive's scan rate
 * (a row marked 'info' is a figure shown without a target).
 */
function archiveSearch(a) {
  if (!a || a.missing || a.error) {
    const figure = a?.missing ? `${a.missing} not there yet` : (a?.error ?? '-');
    return [
      t('archive search vs grep -F on the day files', '<= 2.0x grep', 'not measured', figure),
      t('readArchive scan rate', '>= 1M lines/s', 'not measured', figure),
    ];
  }
  return a.targets
    .filter((x) => x.status !== 'info')
    .map((x) => t(x.target, x.threshold, a.counted ? x.status : 'not counted', x.figure));
}

/** @param report { search, read_lag, archive_search } (each null when its section did not run) */
export function searchTargets(report) {
  return [...searchSection(report.search), ...readLag(report.read_lag), ...archiveSearch(report.archive_search)];
}
