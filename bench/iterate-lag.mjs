// iterate() over the archive and the database: the worst wait of a 1 ms setInterval on the main
// thread while every row is read, and the peak RSS growth (VmHWM). Reproduces the figure the
// target is quoted for: 1M rows over 20 UTC days, the 11 oldest days archived to day files
// (550k rows), 450k rows left in the database.
//
//   node bench/iterate-lag.mjs [--rows N] [--batch N] [--reps N] [--keep DIR]
//
// The data is generated once into a temporary directory (or DIR, reused when it already holds
// it); each run iterates in a fresh child process (lag-child.mjs, op `iterate`), so the bench's
// own heap is not in the figure. `npm run bench -- lag.reads` measures the same on the bench's
// 1M-row database.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cliRandom from '../cli/random.js';
import { createLogStore } from '../index.mjs';
import { describeContention, lagChild } from './lag.mjs';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 0, 1);
const SOURCES = ['workflow', 'daemon', 'sense', 'agent'];
const TYPES = ['step', 'status', 'heartbeat', 'tick', 'observation', 'tool_call', 'message'];
const WORDS = 'the daemon scheduled workflow step agent tool call result output error retry queue'.split(' ');

/** `rows` rows spread evenly over DAYS days, appended 10k at a time (ids rise with time). */
function fill(store, rows) {
  const rand = cliRandom.random(42);
  for (let i = 0; i < rows; ) {
    const entries = [];
    for (const end = Math.min(rows, i + 10_000); i < end; i++) {
      const words = Array.from({ length: 5 + Math.floor(rand() * 30) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
      entries.push({
        source: SOURCES[Math.floor(rand() * SOURCES.length)],
        type: TYPES[Math.floor(rand() * TYPES.length)],
        refId: rand() < 0.85 ? `run-${Math.floor(rand() * 2000)}` : null,
        payload: rand() < 0.05 ? null : JSON.stringify({ msg: words.join(' '), level: 'info', seq: i }),
        timestamp: START_MS + Math.floor((i * DAYS * DAY_MS) / rows),
      });
    }
    store.appendMany(entries);
  }
}

const DAYS = 20;
const ARCHIVED_DAYS = 11;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const rows = Number(arg('rows', 1_000_000));
const batch = arg('batch', '');
const reps = Number(arg('reps', 3));
const keep = arg('keep', '');
const dir = keep || mkdtempSync(join(tmpdir(), 'iterate-lag-'));
const db = join(dir, 'logs.db');

try {
  if (!existsSync(db)) {
    mkdirSync(dir, { recursive: true });
    const store = createLogStore(db);
    fill(store, rows);
    const r = store.archiveLogs({ now: START_MS + ARCHIVED_DAYS * DAY_MS, retentionMs: 0 });
    store.close();
    console.log(`data: ${rows} rows over ${DAYS} days, ${r.days.length} days archived`);
  }
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    const out = lagChild('ours', 'iterate', db, batch);
    runs.push(out);
    console.log(
      `run ${rep + 1}: ${out.rows} rows in ${(out.ms / 1000).toFixed(2)} s, worst lag ${out.max_lag_ms.toFixed(1)} ms${describeContention(out)} ` +
        `(idle ${out.idle_max_lag_ms.toFixed(1)} ms), peak RSS growth ${(out.peak_rss_growth_bytes / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  const worst = Math.max(...runs.map((r) => r.max_lag_ms));
  const peak = Math.max(...runs.map((r) => r.peak_rss_growth_bytes));
  console.log(
    `worst lag ${worst.toFixed(1)} ms (target <= 20), peak RSS growth ${(peak / 2 ** 20).toFixed(1)} MiB (target <= 64)`,
  );
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
