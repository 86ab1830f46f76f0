// The sections of `npm run bench` for search and the large async reads, and the hook for the
// archive-search figures. Each is { key, name, run(env, o, log), print(result) }; run.mjs lists
// them with its own sections, so filters, --skip and --list treat them alike.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runArchiveSearch } from './archive-search.mjs';
import { copyDb, DAY_MS, START_MS } from './data.mjs';
import { jsonChild } from './json-child.mjs';
import { contention, describeContention, lagChild, side } from './lag.mjs';
import { COMMON } from './search.mjs';
import { fmtBytes, fmtRate, fmtTime, median, pad } from './stats.mjs';
import { FULL_ROWS } from './targets.mjs';

/** Days of the 20-day lag database moved to the archive for readArchiveAsync and iterate. */
const ARCHIVED_DAYS = 11;

/** Databases made by search.mjs, by scratch directory and size, shared by the two sections. */
const searchDbs = new Map();

/** Runs search.mjs in a child process (the reference's query() of 1M rows takes about 1 GB). */
function searchChild(env, rows, buildOnly) {
  const dir = join(env.tmp, `search-${rows}`);
  rmSync(dir, { recursive: true, force: true });
  const args = [rows, '--dir', dir, '--json', ...(buildOnly ? ['--build-only'] : [])];
  const out = jsonChild('search.mjs', args, {
    nodeArgs: ['--disable-warning=ExperimentalWarning'],
    timeoutMs: 20 * 60_000,
  });
  searchDbs.set(`${env.tmp}:${rows}`, out.built.db);
  return out;
}

function searchDb(env, rows, log) {
  const have = searchDbs.get(`${env.tmp}:${rows}`);
  if (have) return have;
  const t0 = performance.now();
  const { built } = searchChild(env, rows, true);
  log(`built the ${rows}-row search database and its index (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return built.db;
}

/** A copy of the bench's 20-day database with its ARCHIVED_DAYS oldest days archived by ours. */
function archivedDb(env, rows, log) {
  const db = join(env.tmp, `read-lag-${rows}`, 'logs.db');
  if (existsSync(db)) return db;
  mkdirSync(dirname(db), { recursive: true });
  copyDb(env.bigDb(rows), db);
  const store = env.mods.ours.createLogStore(db);
  try {
    const r = store.archiveLogs({ now: START_MS + ARCHIVED_DAYS * DAY_MS, retentionMs: 0 });
    const moved = r.days.reduce((a, d) => a + d.rowCount, 0);
    log(`archived ${r.days.length} of 20 days (${moved} rows) of a copy for readArchiveAsync and iterate`);
  } finally {
    store.close();
  }
  return db;
}

// ---------------------------------------------------------------- search
const search = {
  key: 'search',
  name: 'search over 1M rows: index build and size, query times vs the reference query() + includes',
  async run(env, o, log) {
    const t0 = performance.now();
    const out = searchChild(env, o.searchRows, false);
    log(`${o.searchRows} rows, child process (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return { ...out, counted: o.searchRows >= FULL_ROWS };
  },
  print(s) {
    const b = s.built;
    console.log(
      `\nsearch over ${b.rows} rows (${fmtBytes(b.payload_bytes)} of payloads)${s.counted ? '' : ' [reduced size: not counted]'}:`,
    );
    console.log(
      `  index build ${b.build_s.toFixed(1)} s = ${fmtRate(b.rows_per_s)}; index file ${fmtBytes(b.index_bytes)} = ${b.index_ratio.toFixed(2)}x payload bytes`,
    );
    for (const [name, w] of Object.entries(s.words)) {
      const scan = s.scan?.words[name];
      console.log(
        `  ${pad(`${name} "${w.text}"`, 22)} newest 50 ${pad(fmtTime(w.first.median_ms), 9, true)}, next page ${pad(w.next_page ? fmtTime(w.next_page.median_ms) : '-', 9, true)}` +
          (scan ? `; reference query()+includes ${fmtTime(scan.ms)} (${Math.round(scan.ratio)}x)` : ''),
      );
    }
    console.log(`  common word in a one-day window, newest 50: ${fmtTime(s.window.median_ms)}`);
    console.log(
      `  order 'rank', top 50: common word ${fmtTime(s.rank_common.median_ms)}, rare word ${fmtTime(s.rank_rare.median_ms)}`,
    );
    console.log(
      `  medians of ${s.words.common.first.runs} calls (rank, common word: ${s.rank_common.runs}); the reference's query() of ${s.scan?.rows ?? '?'} rows took ${fmtTime(s.scan?.query_ms)} once, its filter is timed per word`,
    );
  },
};

// ---------------------------------------------------------------- lag of the large async reads
/** [label, lag-child op, which database, the op's argument]. */
const READS = [
  ['queryAsync', 'query', 'search', undefined],
  ['searchAsync', 'search', 'search', COMMON],
  ['searchAsync rank', 'searchRank', 'search', COMMON],
  ['readArchiveAsync', 'readArchive', 'archived', undefined],
  ['iterate', 'iterate', 'archived', undefined],
];

const readLag = {
  key: 'lag.reads',
  name: 'queryAsync / searchAsync / readArchiveAsync / iterate over 1M rows: main-thread lag, iterate peak RSS',
  async run(env, o, log) {
    const dbs = { search: searchDb(env, o.lagRows, log), archived: archivedDb(env, o.lagRows, log) };
    const runs = Object.fromEntries(READS.map(([label]) => [label, []]));
    const errors = {};
    for (let rep = 0; rep < o.lagReps; rep++) {
      const order = rep % 2 === 0 ? READS : [...READS].reverse();
      for (const [label, op, db, arg] of order) {
        if (errors[label]) continue;
        try {
          const r = lagChild('ours', op, dbs[db], arg);
          if (!r.available) throw new Error(`${label} not available`);
          const run = {
            ms: r.ms,
            max_lag_ms: r.max_lag_ms,
            ticks: r.ticks,
            ...contention(r),
            idle_max_lag_ms: r.idle_max_lag_ms,
            rows: r.rows,
            peak_rss_growth_bytes: r.peak_rss_growth_bytes,
          };
          runs[label].push(run);
          log(
            `${pad(label, 17)} ${run.rows} rows in ${fmtTime(run.ms)}, worst lag ${run.max_lag_ms.toFixed(1)} ms${describeContention(run)} (idle ${run.idle_max_lag_ms.toFixed(1)} ms), peak RSS growth ${fmtBytes(run.peak_rss_growth_bytes)}`,
          );
        } catch (e) {
          errors[label] = e.message;
          log(`${label}: ${e.message}`);
        }
      }
    }
    const ops = {};
    for (const [label] of READS) {
      const rs = runs[label];
      ops[label] = {
        ...side(rs),
        median_lag_ms: median(rs.map((r) => r.max_lag_ms)),
        rows: rs[0]?.rows ?? null,
        peak_rss_growth_bytes: rs.length ? Math.max(...rs.map((r) => r.peak_rss_growth_bytes)) : NaN,
      };
    }
    return {
      rows: o.lagRows,
      counted: o.lagRows >= FULL_ROWS,
      archived_days: ARCHIVED_DAYS,
      method:
        'fresh child process per run (lag-child.mjs); worst wait of a 1 ms setInterval while the call runs and its result is built; peak RSS growth = VmHWM reset before the call',
      ops,
      errors,
    };
  },
  print(r) {
    console.log(
      `\nlarge async reads, main-thread lag (1 ms setInterval), ${r.rows} rows${r.counted ? '' : ' [reduced size: not counted]'}:`,
    );
    console.log(
      `  search database: ${r.rows} rows (queryAsync, searchAsync "${COMMON}": 5 pages of 10,000, rank: top 10,000); lag database: ${r.archived_days} of 20 days archived (readArchiveAsync, iterate with includeArchive)`,
    );
    for (const [label, x] of Object.entries(r.ops)) {
      if (!x.runs.length) {
        console.log(`  ${pad(label, 17)} ERROR: ${r.errors[label] ?? 'no run'}`);
        continue;
      }
      console.log(
        `  ${pad(label, 17)} ${pad(`${x.rows} rows`, 13)} ${pad(fmtTime(x.median_ms), 9, true)}  worst lag ${pad(`${x.max_lag_ms.toFixed(1)} ms`, 8, true)} (median ${x.median_lag_ms.toFixed(1)} ms of ${x.runs.length})${describeContention(x.worst_run)}, peak RSS growth ${fmtBytes(x.peak_rss_growth_bytes)}`,
      );
    }
  },
};

// ---------------------------------------------------------------- archive search
/**
 * bench/archive-search.mjs over the read-lag row count (30 day files at 1M rows): the archive
 * search against `grep -F` over the same day files and readArchive's scan rate, as
 * `{ rows, counted, figures, targets }`; targets-search.mjs reports its targets as it gives them.
 */
const archiveSearch = {
  key: 'archive.search',
  name: 'archive search vs grep -F, readArchive lines/s (bench/archive-search.mjs)',
  async run(env, o, log) {
    const r = await runArchiveSearch({ rows: o.lagRows, dir: join(env.tmp, 'archive-search'), log });
    return { ...r, counted: o.lagRows >= FULL_ROWS };
  },
  print(a) {
    console.log(`\narchive search over ${a.rows} rows${a.counted ? '' : ' [reduced size: not counted]'}:`);
    for (const x of a.targets) console.log(`  ${x.target}: ${x.figure}`);
  },
};

export const SEARCH_SECTIONS = { search, readLag, archiveSearch };
