// The crash child: writes a seeded random mix of everything the stores do, with searches and
// index builds between the writes, forever, until it is killed. Each acknowledgement (a call returned, a promise resolved) is written to the journal
// with a synchronous write right after it, so a line the parent reads is a write the child had
// acknowledged before the kill. The parent decides when the kill comes.
//
// usage: node child.mjs <dataDir> <journal> <run> <seed>   (CRASH_REMOTE: remote options as JSON)
import { mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ALL_WORD, blobBytes, blobInput, DAY, presentOf, RETENTION_MS, rowFor, T0, wordOf } from './workload.mjs';

const require = createRequire(import.meta.url);
const { random } = require('../../cli/random.js');
const { createLogStore, createBlobStore } = require('../../index.js');

const [dataDir, journalPath, runArg, seedArg] = process.argv.slice(2);
const run = Number(runArg);
const rnd = random(Number(seedArg));
const present = presentOf(run);
const journal = openSync(journalPath, 'a');
/** Lines are short and written with one write(2) each; the parent ignores a torn last line. */
const note = (line) => writeSync(journal, `${line}\n`);

// A child the parent forgot must not run forever.
setTimeout(() => process.exit(3), 60_000).unref();

const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const chance = (p) => rnd() < p;
let counter = 0;
const nextKey = (prefix = '') => `${prefix}${run}.${counter++}`;

/** A day the archive may have done already. */
function lateTimestamp() {
  return T0 + Math.floor(rnd() * (present - 2 * DAY - T0));
}

/** Mostly near the present, often late. */
function timestamp() {
  return chance(0.6) ? present - 2 * DAY + Math.floor(rnd() * 3 * DAY) : lateTimestamp();
}

// The loop's remote phase: both stores upload in the background and, with `keepLocal: false`,
// remove local copies once verified remote.
const remote = process.env.CRASH_REMOTE ? { remote: JSON.parse(process.env.CRASH_REMOTE) } : undefined;

note(`S open`);
const store = createLogStore(join(dataDir, 'logs.db'), remote);
const blobs = createBlobStore(join(dataDir, 'blobs'), remote);
const scratch = join(dataDir, 'scratch');
mkdirSync(scratch, { recursive: true });
note(`E`);

/** Some keys this run acknowledged, for searches by their words. */
const searchable = [];
const remember = (key) => {
  if (searchable.length < 5000) searchable.push(key);
  else searchable[int(0, searchable.length - 1)] = key;
};

function appendOne(op) {
  const key = nextKey();
  const row = store.append(rowFor(key, timestamp()));
  note(`a ${key} ${row.id} ${op}`);
  remember(key);
}

function appendAsyncOne() {
  const key = nextKey();
  return store.appendAsync(rowFor(key, timestamp())).then((row) => {
    note(`a ${key} ${row.id} appendAsync`);
    remember(key);
  });
}

function appendMany(n, time = timestamp) {
  const key0 = nextKey();
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(rowFor(`${key0}.${i}`, time()));
  const out = store.appendMany(rows);
  note(`m ${key0} ${n} ${out.map((r) => r.id).join(',')}`);
  remember(`${key0}.${int(0, n - 1)}`);
}

/**
 * A search's options and text: a row's own word, or the word in every row (newest first, or by
 * rank). The first search after a write indexes every row not indexed yet, so kills land in the
 * middle of indexing; the checker finds out whether that left the index sound.
 */
function searchArgs() {
  if (searchable.length > 0 && chance(0.7)) return [wordOf(searchable[int(0, searchable.length - 1)]), { limit: 5 }];
  return [ALL_WORD, { limit: int(1, 500), order: chance(0.2) ? 'rank' : 'time' }];
}

const STATUSES = ['queued', 'started', 'completed', 'failed', 'crashed', 'dropped', 'interrupted', 'killed'];
let runClock = 0;

function upsert() {
  const key = nextKey();
  const runId = `run-${int(0, 11)}`;
  // Run timestamps grow with the run and the call, so every state is told apart.
  const state = {
    runId,
    workflow: `wf-${int(0, 2)}`,
    status: STATUSES[int(0, STATUSES.length - 1)],
    timestamp: run * 1_000_000 + runClock++,
    exitCode: chance(0.5) ? null : int(-1, 255),
  };
  note(`U ${key} ${JSON.stringify(state)}`);
  const row = store.upsertWorkflowRun(rowFor(key, timestamp(), runId), state);
  note(`u ${key} ${row.id}`);
}

function archiveOptions() {
  const opts = { now: present - Math.floor(rnd() * 2 * DAY), retentionMs: RETENTION_MS };
  if (chance(0.3)) opts.maxDays = int(1, 4);
  if (chance(0.03)) opts.vacuum = true;
  return opts;
}

function noteArchive(op, result) {
  note(`A ${op} ${result.days.map((d) => d.day).join(',') || '-'}`);
}

/** A shared pool of keys comes back across runs and directories: the existing-blob path. */
function blobKey() {
  if (chance(0.15)) return `shared.${int(0, 29)}`;
  return nextKey(chance(0.2) ? 'T' : 'B');
}

function blobWrite() {
  const key = blobKey();
  const hash = blobs.write(blobInput(key));
  note(`b ${key} ${hash} write`);
}

function blobWriteAsync() {
  const key = blobKey();
  return blobs.writeAsync(blobInput(key)).then((hash) => note(`b ${key} ${hash} writeAsync`));
}

async function blobWriteFile() {
  const key = blobKey();
  const src = join(scratch, `${key}.${process.pid}`);
  writeFileSync(src, blobBytes(key));
  const hash = await blobs.writeFile(src);
  note(`b ${key} ${hash} writeFile`);
  rmSync(src);
}

/** Many calls in flight together: group commits, an archive off the thread, blob writes. */
async function mixed() {
  const pending = [];
  const n = int(1, 300);
  for (let i = 0; i < n; i++) pending.push(appendAsyncOne());
  if (chance(0.5))
    pending.push(store.archiveLogsAsync(archiveOptions()).then((r) => noteArchive('archiveLogsAsync', r)));
  for (let i = int(0, 4); i > 0; i--) pending.push(blobWriteAsync());
  if (chance(0.3)) pending.push(store.searchAsync(...searchArgs()));
  // Synchronous calls while the group commit and the archive hold the store now and then.
  for (let i = int(0, 3); i > 0; i--) appendOne('append');
  await Promise.all(pending);
}

const STEPS = [
  [
    10,
    'append',
    () => {
      for (let i = int(1, 20); i > 0; i--) appendOne('append');
    },
  ],
  [10, 'appendMany', () => appendMany(int(1, 300))],
  // Enough late rows that the next archive moves most of the table (its rebuild path), and a
  // commit large enough to checkpoint the WAL.
  [0.6, 'appendManyLarge', () => appendMany(int(10000, 12000), lateTimestamp)],
  [
    12,
    'appendAsync',
    async () => {
      const p = [];
      for (let i = int(1, 400); i > 0; i--) p.push(appendAsyncOne());
      await Promise.all(p);
    },
  ],
  [10, 'mixed', mixed],
  [
    8,
    'upsertWorkflowRun',
    () => {
      for (let i = int(1, 10); i > 0; i--) upsert();
    },
  ],
  [6, 'archiveLogs', () => noteArchive('archiveLogs', store.archiveLogs(archiveOptions()))],
  [4, 'archiveLogsAsync', async () => noteArchive('archiveLogsAsync', await store.archiveLogsAsync(archiveOptions()))],
  [
    8,
    'blobWrite',
    () => {
      for (let i = int(1, 5); i > 0; i--) blobWrite();
    },
  ],
  [
    6,
    'blobWriteAsync',
    async () => {
      const p = [];
      for (let i = int(1, 20); i > 0; i--) p.push(blobWriteAsync());
      await Promise.all(p);
    },
  ],
  [4, 'blobWriteFile', blobWriteFile],
  [
    8,
    'search',
    () => {
      for (let i = int(1, 5); i > 0; i--) store.search(...searchArgs());
    },
  ],
  [
    6,
    'searchAsync',
    async () => {
      const p = [];
      for (let i = int(1, 8); i > 0; i--) p.push(store.searchAsync(...searchArgs()));
      await Promise.all(p);
    },
  ],
  [4, 'buildSearchIndex', () => store.buildSearchIndex()],
];
const TOTAL = STEPS.reduce((n, s) => n + s[0], 0);

function pick() {
  let r = rnd() * TOTAL;
  for (const s of STEPS) {
    r -= s[0];
    if (r < 0) return s;
  }
  return STEPS[STEPS.length - 1];
}

for (;;) {
  const [, name, step] = pick();
  note(`S ${name}`);
  await step();
  note(`E`);
}
