// Search over the archive and archive reads, on 30 day files of generated rows (1M by default,
// the ~250-byte JSON payloads of bench/search.mjs, every day archived):
//
// - `search(word, { includeArchive: true, limit: 50 })` for a rare word (10 rows) and a common
//   one (in most rows), against `grep -F -c word` over the same files (warm page cache both);
//   target: within 2x of grep -F.
// - `readArchive` of a filtered range (a source and a type over a three-day window), in lines of
//   the window's day files per second; target: at least 1M lines/s. The window alone is shown too.
//
//   node bench/archive-search.mjs [--rows N] [--reps N] [--keep DIR]
//
// Each figure is the median of --reps runs (default 7) after one warm-up run; a search and its grep
// take turns. With --keep, the
// data is built in DIR once and reused by later runs. `runArchiveSearch(options)` is the same
// bench for a caller: it returns the figures and the targets instead of printing them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogStore } from '../index.mjs';
import { COMMON, DAY, DAYS, RARE, START, searchRows } from './search-data.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The median time in ms of `reps` calls of `f` after one warm-up call, and its last result. */
function timed(f, reps) {
  return pair(f, null, reps)[0];
}

/**
 * `timed` for two functions whose calls take turns (who goes first alternates), so a busy moment
 * of this shared machine falls on both.
 */
function pair(f, g, reps) {
  const runs = [f, g].filter(Boolean).map((h) => ({ h, times: [], result: h() }));
  for (let i = 0; i < reps; i++) {
    for (const r of i % 2 ? [...runs].reverse() : runs) {
      const t = performance.now();
      r.result = r.h();
      r.times.push(performance.now() - t);
    }
  }
  return runs.map((r) => ({ ms: median(r.times), result: r.result }));
}

/** A data directory of `rows` rows, all archived into 30 day files (reused when already there). */
function prepare(dir, rows, log) {
  const dbPath = join(dir, 'logs.db');
  const archive = join(dir, 'archive', 'logs');
  const ready = existsSync(archive) && readdirSync(archive).filter((f) => f.endsWith('.jsonl')).length === DAYS;
  if (!ready) {
    mkdirSync(dir, { recursive: true });
    const t = performance.now();
    const store = createLogStore(dbPath);
    for (const batch of searchRows(rows)) store.appendMany(batch);
    store.archiveLogs({ now: START + DAYS * DAY, retentionMs: 0 });
    store.close();
    log(`built ${rows} rows into ${DAYS} day files in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const files = readdirSync(archive)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(archive, f));
  return { dbPath, files };
}

const lineCount = (file) => {
  const b = readFileSync(file);
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
};

function grepCount(word, files) {
  const r = spawnSync('grep', ['-F', '-c', word, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) throw r.error;
  return r.stdout.split('\n').reduce((n, l) => n + (Number(l.slice(l.lastIndexOf(':') + 1)) || 0), 0);
}

/**
 * Runs the bench; returns `{ rows, figures, targets }`, each target `{ target, threshold, status,
 * figure }` with status 'PASS' or 'FAIL' ('info' for a figure shown without a target).
 */
export async function runArchiveSearch({ rows = 1_000_000, reps = 7, dir, log = () => {} } = {}) {
  const scratch = dir ?? mkdtempSync(join(tmpdir(), 'nerve-archive-search-'));
  try {
    const { dbPath, files } = prepare(scratch, rows, log);
    const store = createLogStore(dbPath);
    const figures = {};
    const targets = [];
    try {
      for (const [name, word] of [
        ['rare', RARE],
        ['common', COMMON],
      ]) {
        const [ours, grep] = pair(
          () => store.search(word, { includeArchive: true, limit: 50 }),
          () => grepCount(word, files),
          reps,
        );
        const ratio = ours.ms / grep.ms;
        figures[name] = {
          word,
          ms: ours.ms,
          hits: ours.result.entries.length,
          grepMs: grep.ms,
          grepLines: grep.result,
        };
        targets.push({
          target: `archive search, ${name} word "${word}", newest 50`,
          threshold: '<= 2.0x grep -F',
          status: ratio <= 2 ? 'PASS' : 'FAIL',
          figure: `${ours.ms.toFixed(1)} ms vs grep -F -c ${grep.ms.toFixed(1)} ms = ${ratio.toFixed(2)}x (${ours.result.entries.length} rows; grep counts ${grep.result} lines)`,
        });
      }
      const first = 10;
      const window = { since: START + first * DAY, until: START + (first + 3) * DAY - 1 };
      const windowLines = files.slice(first, first + 3).reduce((n, f) => n + lineCount(f), 0);
      // The target is the filtered range; the window alone (every row of three days made into
      // an object) is shown beside it.
      for (const [name, filter, target] of [
        ['source, type and a 3-day window', { source: 'daemon', type: 'error', ...window }, true],
        ['a 3-day window', window, false],
      ]) {
        const read = timed(() => store.readArchive(filter), reps);
        const rate = windowLines / (read.ms / 1000);
        figures[`readArchive ${name}`] = { ms: read.ms, lines: windowLines, rows: read.result.length, rate };
        targets.push({
          target: `readArchive, ${name}`,
          threshold: target ? '>= 1.00M lines/s' : 'shown',
          status: target ? (rate >= 1e6 ? 'PASS' : 'FAIL') : 'info',
          figure: `${(rate / 1e6).toFixed(2)}M lines/s (${windowLines} lines, ${read.result.length} rows, ${read.ms.toFixed(1)} ms)`,
        });
      }
    } finally {
      store.close();
    }
    return { rows, figures, targets };
  } finally {
    if (!dir) rmSync(scratch, { recursive: true, force: true });
  }
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, targets } = await runArchiveSearch({
    rows: Number(arg('rows', 1_000_000)),
    reps: Number(arg('reps', 7)),
    dir: arg('keep', undefined),
    log: (m) => console.log(m),
  });
  console.log(`${rows} rows in ${DAYS} day files; medians of ${arg('reps', 7)} runs`);
  for (const t of targets) console.log(`${t.status}  ${t.target} (${t.threshold}): ${t.figure}`);
}
