// The kill loop: starts the crash child on a data directory, SIGKILLs it after a seeded random
// delay, checks the directory (verify.mjs) and starts the next child on the same directory, so
// each check also covers recovery after earlier recoveries.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Expectations } from './journal.mjs';
import { remoteView } from './remote-view.mjs';
import { BLOB, CheckCache, checkDir, DAY_FILE, SHARD } from './verify.mjs';
import { presentOf } from './workload.mjs';

const require = createRequire(import.meta.url);
const { random } = require('../../cli/random.js');
const { createBlobStore, createLogStore } = require('../../index.js');
const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));

/**
 * How long after the spawn the kill comes: a spread from Node's start-up (opening the store,
 * recovering the WAL) to well into the workload, where archives, group commits and large blob
 * writes run.
 */
function killDelay(rnd) {
  const r = rnd();
  if (r < 0.15) return 20 + rnd() * 130;
  return 150 + rnd() ** 2 * 1100;
}

export function runChild(dataDir, journal, run, seed, delayMs, remote = null) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dataDir, journal, String(run), String(seed)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: remote ? { ...process.env, CRASH_REMOTE: JSON.stringify(remote) } : process.env,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, stderr });
    });
  });
}

function add(into, from) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

const blobFiles = (root) =>
  (existsSync(root) ? readdirSync(root) : [])
    .filter((s) => SHARD.test(s))
    .flatMap((s) => readdirSync(join(root, s)).filter((f) => BLOB.test(f)));
const dayFiles = (dir) => (existsSync(dir) ? readdirSync(dir) : []).filter((f) => DAY_FILE.test(f));

/**
 * The end of a data directory in the remote phase: both stores opened with the remote drain
 * their queues; then no blob file or day file may be left on disk (`keepLocal: false`), and the
 * checks must find everything in the bucket.
 */
async function drainRemote(dataDir, options) {
  const problems = [];
  const blobs = createBlobStore(join(dataDir, 'blobs'), { remote: options });
  const logs = createLogStore(join(dataDir, 'logs.db'), { remote: options });
  try {
    for (const [name, s] of [
      ['blobs', await blobs.syncRemote()],
      ['archive days', await logs.syncRemote()],
    ])
      if (s.pending !== 0 || s.failed !== 0)
        problems.push(`${name}: ${s.pending} pending, ${s.failed} failed after the final sync (${s.lastError?.code})`);
  } finally {
    logs.close();
  }
  const leftBlobs = blobFiles(join(dataDir, 'blobs')).length;
  const leftDays = dayFiles(join(dataDir, 'archive', 'logs')).length;
  if (leftBlobs || leftDays)
    problems.push(`${leftBlobs} blob files and ${leftDays} day files still local after the sync`);
  return problems;
}

/**
 * Runs `kills` kills, `perDir` of them on each data directory. Returns the figures and every
 * problem found (each one a loss or damage). `onKill` sees each kill's outcome as it happens.
 * `remote`: `{ options(dir) -> remote options, prefix(dir), objects }` for the remote phase, where
 * the children write with a remote and each check finds blobs and days on disk or in the bucket.
 */
export async function runCrashLoop({
  kills,
  perDir = 40,
  seed = 1,
  root,
  keep = false,
  remote = null,
  onKill = () => {},
}) {
  const rnd = random(seed);
  const base = root ?? mkdtempSync(join(tmpdir(), 'nerve-store-crash-'));
  mkdirSync(base, { recursive: true });
  const totals = {
    kills: 0,
    checks: 0,
    inFlight: {},
    acks: {},
    counts: {},
    stray: { archive: 0, blobs: 0 },
    problems: [],
  };
  let done = 0;
  for (let d = 0; done < kills; d++) {
    const dataDir = join(base, `dir-${d}`);
    const journals = join(dataDir, 'journal');
    mkdirSync(journals, { recursive: true });
    const exp = new Expectations();
    const cache = new CheckCache();
    const options = remote?.options(d) ?? null;
    /** What the bucket holds now, with the acknowledged blobs no longer on disk read back. */
    const view = async (newBlobs) => {
      if (!remote) return null;
      const gone = newBlobs.filter((h) => !existsSync(join(dataDir, 'blobs', h.slice(0, 2), h.slice(2))));
      return remoteView(remote.objects, remote.prefix(d), gone);
    };
    let last = null;
    for (let run = 0; run < perDir && done < kills; run++, done++) {
      const childSeed = Math.floor(rnd() * 2 ** 31);
      const delay = killDelay(rnd);
      const journal = join(journals, `run-${run}.log`);
      const outcome = await runChild(dataDir, journal, run, childSeed, delay, options);
      let text = '';
      try {
        text = readFileSync(journal, 'utf8');
      } catch {
        // Killed before it opened the journal.
      }
      const { inFlight, newBlobs } = exp.ingest(text);
      const problems = [];
      if (!outcome.killed)
        problems.push(`child of run ${run} exited on its own (code ${outcome.code}): ${outcome.stderr.trim()}`);
      const checked = checkDir(dataDir, exp, presentOf(run), newBlobs, cache, await view(newBlobs));
      problems.push(...checked.problems);
      totals.kills++;
      totals.checks++;
      totals.inFlight[inFlight] = (totals.inFlight[inFlight] ?? 0) + 1;
      const { strayArchive, strayBlobs, ...counts } = checked.counts;
      add(totals.counts, counts);
      last = { strayArchive, strayBlobs };
      const where = `dir-${d} run ${run} (seed ${childSeed}, killed after ${Math.round(delay)} ms during ${inFlight})`;
      for (const p of problems) totals.problems.push(`${where}: ${p}`);
      onKill({ dir: d, run, delay, inFlight, problems, counts: checked.counts });
    }
    if (remote && last !== null) {
      const where = `dir-${d} after the final sync`;
      for (const p of await drainRemote(dataDir, options)) totals.problems.push(`${where}: ${p}`);
      const all = [...exp.ackedBlobs.keys()];
      const checked = checkDir(dataDir, exp, presentOf(perDir), all, cache, await view(all));
      totals.checks++;
      add(totals.counts, (({ strayArchive, strayBlobs, ...c }) => c)(checked.counts));
      for (const p of checked.problems) totals.problems.push(`${where}: ${p}`);
      totals.drained = (totals.drained ?? 0) + 1;
    }
    add(totals.acks, exp.acks);
    // Temporary files of killed writes stay behind (nothing reads them); these many at the end.
    totals.stray.archive += last?.strayArchive ?? 0;
    totals.stray.blobs += last?.strayBlobs ?? 0;
  }
  if (!keep && totals.problems.length === 0) rmSync(base, { recursive: true, force: true });
  totals.dataRoot = base;
  return totals;
}

/** The one-line summary `npm run test:crash` prints. */
export function summary(t, seconds) {
  const acks = Object.values(t.acks).reduce((a, b) => a + b, 0);
  const byKind = Object.entries(t.acks)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const during = Object.entries(t.inFlight)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const c = t.counts;
  return [
    `crash test: ${t.kills} kills survived in ${seconds.toFixed(1)} s`,
    `  kills landed during: ${during}`,
    `  acknowledged writes checked: ${acks} (${byKind})`,
    `  rows checked: ${c.rows ?? 0} over ${t.checks} checks (${c.rowsParsed ?? 0} archive lines parsed), workflow-run checks ${c.runs ?? 0}, archived days checked ${c.archivedDays ?? 0}`,
    `  searches after the kills: ${c.searches ?? 0}, finding ${c.searchRows ?? 0} rows by the word in every row (each row of logs.db once per check); ${c.searchFound ?? 0} rows found by their own word alone, ${c.searchArchived ?? 0} archived rows not found by theirs`,
    `  blobs checked: ${c.blobFiles ?? 0} blob files over all checks (${c.blobsHashed ?? 0} rehashed, ${c.blobsRead ?? 0} acknowledged blobs read back)`,
    ...(t.drained
      ? [
          `  remote: ${c.remoteBlobs ?? 0} blobs and ${c.remoteDays ?? 0} day objects found in the bucket over all checks; ${t.drained} data directories drained (every acknowledged blob re-read from the bucket, no blob or day file left local)`,
        ]
      : []),
    `  temporary files left by killed writes (ignored, as they must be): ${t.stray.archive} in archive/logs, ${t.stray.blobs} in blobs`,
    `  losses: ${t.problems.length}`,
  ].join('\n');
}
