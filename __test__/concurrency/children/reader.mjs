// The reader: queries and thread reads, in this process and through the `nerve-store` CLI,
// checking that every answer is a consistent state of the database: ids strictly increasing and
// never twice, a run's messages and rounds a gapless stretch of its numbers, and nothing going
// backwards between one read and the next (rows only leave through the archive, oldest first).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogStore } from '../../../index.mjs';
import { checked, config, count, DAY, fail, op, pace, pick, random, report, running, virtualNow } from './common.mjs';

const CLI = fileURLToPath(new URL('../../../cli/nerve-store.js', import.meta.url));
const STATUS_ORDER = ['queued', 'started', 'completed'];
const store = createLogStore(config.dbPath);
/** runId -> the lowest first and highest last message number seen so far. */
const runs = new Map();
const runStatus = new Map();
let maxDaemonRun = -1;

function expect(ok, what) {
  if (!ok) throw new Error(`inconsistent read: ${what}`);
}

function seqOf(content) {
  return Number(content.slice(content.lastIndexOf('#') + 1));
}

/**
 * Message numbers of one run as one answer gave them: consecutive, and no older than what earlier
 * answers showed. `whole` says the answer holds all of the run's rows (else only `newest` ones,
 * or, with neither, a stretch in the middle). `since` is what was known when the read began, for
 * answers that arrive late (from the CLI); those leave the record alone.
 */
function checkRun(runId, seqs, what, { whole = true, newest = true, since = null } = {}) {
  checked();
  for (let i = 1; i < seqs.length; i++)
    expect(seqs[i] === seqs[i - 1] + 1, `${what} ${runId}: ${seqs[i - 1]} then ${seqs[i]}`);
  const seen = since ?? runs.get(runId) ?? { first: -1, last: -1 };
  if (since === null) runs.set(runId, seen);
  if (seqs.length === 0) return;
  const first = seqs[0];
  const last = seqs[seqs.length - 1];
  // Rows leave oldest first and never come back; new ones only ever come after the newest.
  expect(first >= seen.first, `${what} ${runId}: message ${first} is back after ${seen.first} was the oldest`);
  if (newest) expect(last >= seen.last, `${what} ${runId}: newest message ${last} after ${seen.last} was seen`);
  if (since !== null) return;
  if (whole) seen.first = first;
  if (newest) seen.last = last;
}

function checkIds(rows, what) {
  for (let i = 1; i < rows.length; i++)
    expect(rows[i].id > rows[i - 1].id, `${what}: id ${rows[i].id} after ${rows[i - 1].id}`);
}

/** Rows of several runs, by id: each run's part must be consecutive as well. */
function checkRows(rows, what, whole = true, since = null) {
  checkIds(rows, what);
  const byRun = new Map();
  for (const r of rows) {
    if (r.type !== 'thread_workflow_message') continue;
    const list = byRun.get(r.refId) ?? [];
    list.push(JSON.parse(r.payload).seq);
    byRun.set(r.refId, list);
  }
  for (const [runId, seqs] of byRun) checkRun(runId, seqs, what, { whole, since: since?.get(runId) ?? null });
}

function checkRounds(runId, rounds, before, limit) {
  checked();
  for (let i = 0; i < rounds.length; i++) {
    const r = rounds[i];
    if (i > 0)
      expect(r.round === rounds[i - 1].round - 1, `rounds of ${runId}: ${rounds[i - 1].round} then ${r.round}`);
    if (before > 0) expect(r.round < before, `rounds of ${runId}: round ${r.round} not before ${before}`);
    // Round 1 is the oldest message still in SQLite, so the distance is the same for all.
    expect(
      seqOf(r.message.content) - r.round === seqOf(rounds[0].message.content) - rounds[0].round,
      `rounds of ${runId}: numbering`,
    );
  }
  const seqs = rounds.map((r) => seqOf(r.message.content)).reverse();
  checkRun(runId, seqs, 'getThreadRounds', { whole: before === 0 && rounds.length < limit, newest: before === 0 });
}

function someRun() {
  const names = [...runs.keys()];
  if (names.length === 0) return null;
  // Mostly runs being written right now (the newest of each worker), sometimes any.
  return random() < 0.7 ? names[names.length - 1 - pick(Math.min(4, names.length))] : names[pick(names.length)];
}

function cli(args) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, '--data', config.dataDir, ...args],
      { maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`nerve-store ${args.join(' ')}: ${err.message} ${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

async function viaCli(runId) {
  const since = new Map([...runs].map(([id, seen]) => [id, { ...seen }]));
  if (random() < 0.5) {
    let text;
    try {
      text = await cli(['thread', runId, '--json']);
    } catch (e) {
      // The run was seen with rows, so the CLI may only miss it once the archive took them all
      // (and rows never come back).
      if (!/no workflow run/.test(e.message)) throw e;
      expect(store.getThreadMessages(runId).length === 0, `cli thread says no run ${runId}, but it has messages`);
      count('cli thread (run archived)');
      return;
    }
    const out = JSON.parse(text);
    checkRun(
      runId,
      out.messages.map((m) => seqOf(m.content)),
      'cli thread messages',
      { since: since.get(runId) ?? null },
    );
    const rounds = out.rounds;
    checked();
    for (let i = 1; i < rounds.length; i++)
      expect(rounds[i].round === rounds[i - 1].round + 1, `cli thread rounds of ${runId}`);
    count('cli thread');
  } else {
    const lines = (await cli(['logs', '--ref', runId, '--all', '--json'])).split('\n').filter((l) => l !== '');
    const rows = lines.map((l) => JSON.parse(l)).sort((a, b) => a.id - b.id);
    checkRows(rows, 'cli logs', true, since);
    count('cli logs');
  }
}

let cliBusy = false;
let lastCli = 0;
while (running()) {
  const r = random();
  const runId = someRun();
  if (runId === null || r < 0.15) {
    const filter = { source: 'workflow', type: 'thread_workflow_message', since: virtualNow() - 2 * DAY };
    await op('query (recent messages)', async () =>
      checkRows(random() < 0.5 ? store.query(filter) : await store.queryAsync(filter), 'query', false),
    );
  } else if (r < 0.35) {
    await op('getThreadMessages', () =>
      checkRun(
        runId,
        store.getThreadMessages(runId).map((m) => seqOf(m.content)),
        'getThreadMessages',
      ),
    );
  } else if (r < 0.5) {
    await op('getThreadRounds', () => {
      const all = store.getThreadRounds(runId, { before: 0, limit: 8 });
      checkRounds(runId, all, 0, 8);
      if (all.length > 2)
        checkRounds(runId, store.getThreadRounds(runId, { before: all[1].round, limit: 3 }), all[1].round, 3);
    });
  } else if (r < 0.6) {
    await op('getThreadRoundCount', () => expect(Number.isInteger(store.getThreadRoundCount(runId)), 'round count'));
  } else if (r < 0.72) {
    const filter = { refId: runId, limit: random() < 0.5 ? -1 : 1000 };
    await op('query (by run)', async () =>
      checkRows(random() < 0.5 ? store.query(filter) : await store.queryAsync(filter), 'query by run'),
    );
  } else if (r < 0.92) {
    await op('workflow runs', () => {
      checked();
      const active = store.getActiveWorkflowRuns();
      for (let i = 1; i < active.length; i++)
        expect(active[i].timestamp >= active[i - 1].timestamp, 'active runs oldest first');
      for (const a of active)
        expect(a.status === 'queued' || a.status === 'started', `active run ${a.runId} is ${a.status}`);
      const all = store.getAllWorkflowRuns(null);
      for (let i = 1; i < all.length; i++) expect(all[i].timestamp <= all[i - 1].timestamp, 'all runs newest first');
      for (const x of all) maxDaemonRun = Math.max(maxDaemonRun, Number(x.runId.slice('d-run-'.length)));
      if (maxDaemonRun >= 0) {
        const id = `d-run-${maxDaemonRun - pick(Math.min(3, maxDaemonRun + 1))}`;
        const run = store.getWorkflowRun(id);
        expect(run !== null, `run ${id} vanished`);
        const at = STATUS_ORDER.indexOf(run.status);
        expect(at >= (runStatus.get(id) ?? 0), `run ${id} went back to ${run.status}`);
        runStatus.set(id, at);
        const trigger = store.getTriggerPayload(id);
        // null once the archive has taken the run's first row.
        expect(trigger === null || trigger.maxRounds === 3, `trigger of ${id}`);
      }
    });
  } else if (!cliBusy && Date.now() - lastCli > 1500) {
    // The CLI runs alongside, in a process of its own; its answer is checked when it arrives.
    cliBusy = true;
    lastCli = Date.now();
    viaCli(runId)
      .catch((e) => fail('cli', e))
      .finally(() => {
        cliBusy = false;
      });
  }
  await pace();
}
while (cliBusy) await pace();
store.close();
report({ runsSeen: runs.size });
