'use strict';
// A realistic nerve daemon workload in a data directory: weeks of sensor signals and
// heartbeats, workflow runs with their threads (messages, command events, reports in blobs),
// a couple of runs still active, then an archive pass. Prints `stats` at the end.
const fs = require('node:fs');
const { options, layout, parsePositiveInt, display } = require('../util');
const { collectStats, printStats } = require('./stats');
const { random } = require('../random');

const DAY = 86_400_000;
const MIN = 60_000;

const WORKFLOWS = {
  'disk-cleanup': {
    prompt: 'free some disk space on /var',
    steps: [
      ['planner', 'list the largest cache directories under /var'],
      ['executor', 'du -sh /var/cache/* | sort -h | tail'],
      ['planner', 'remove the apt and build caches, keep the last week of logs'],
      ['executor', 'removed {gb} GB of build caches'],
      ['reviewer', 'disk usage is back under the threshold'],
    ],
  },
  'dependency-audit': {
    prompt: 'audit the lockfile for vulnerable packages',
    steps: [
      ['planner', 'run the audit and group findings by severity'],
      ['executor', 'npm audit --json: {n} advisories'],
      ['reviewer', 'no critical advisories; two moderate ones need a minor bump'],
    ],
  },
  'daily-digest': {
    prompt: 'summarise yesterday for the operator',
    steps: [
      ['planner', 'collect signals, failed runs and disk trends of the last 24 h'],
      ['writer', 'digest drafted: {n} runs, {m} alerts, disk peaked at {p}%'],
    ],
  },
  'incident-triage': {
    prompt: 'cpu load above 4 for ten minutes: find the cause',
    steps: [
      ['planner', 'look at the top processes and recent deploys'],
      ['executor', 'ps aux --sort=-%cpu | head'],
      ['planner', 'a runaway indexer; restart it with a lower nice level'],
      ['executor', 'systemctl restart indexer'],
      ['reviewer', 'load back to normal after restart'],
    ],
  },
};

function fill(text, rnd) {
  return text
    .replace('{gb}', (1 + rnd() * 6).toFixed(1))
    .replace('{n}', String(Math.floor(rnd() * 12)))
    .replace('{m}', String(Math.floor(rnd() * 4)))
    .replace('{p}', String(60 + Math.floor(rnd() * 35)));
}

function signalsForDay(dayStart, rnd, until) {
  const rows = [];
  for (let t = dayStart; t < dayStart + DAY && t <= until; t += 15 * MIN) {
    const jitter = Math.floor(rnd() * 20_000);
    rows.push({ source: 'daemon', type: 'heartbeat', refId: null, payload: null, timestamp: t + jitter });
    if ((t / (15 * MIN)) % 2 === 0) {
      const load = Math.round((0.3 + rnd() * 2.5) * 100) / 100;
      rows.push({
        source: 'sense',
        type: 'cpu_load',
        refId: null,
        payload: JSON.stringify({ load1: load }),
        timestamp: t + jitter + 1,
      });
    }
    if ((t / (15 * MIN)) % 4 === 0) {
      const percent = 55 + Math.floor(rnd() * 40);
      rows.push({
        source: 'sense',
        type: 'disk_usage',
        refId: null,
        payload: JSON.stringify({ mount: '/var', percent }),
        timestamp: t + jitter + 2,
      });
    }
  }
  return rows;
}

/** One workflow run from queued to its end (or to `finalStatus` queued/started for live runs). */
function workflowRun(store, blobs, rnd, { runId, workflow, start, finalStatus }) {
  const wf = WORKFLOWS[workflow];
  const ev = (type, payload, timestamp) => ({ source: 'workflow', type, refId: runId, payload, timestamp });
  const run = (status, timestamp, exitCode = null) => ({ runId, workflow, status, timestamp, exitCode });
  let t = start;
  store.upsertWorkflowRun(ev('queued', null, t), run('queued', t));
  if (finalStatus === 'queued') return;
  t += 2000 + Math.floor(rnd() * 5000);
  const trigger = { prompt: wf.prompt, maxRounds: 8, dryRun: rnd() < 0.1 };
  store.upsertWorkflowRun(ev('started', JSON.stringify(trigger), t), run('started', t));
  const thread = [];
  const msg = (role, content, meta) => {
    t += 500 + Math.floor(rnd() * 20_000);
    thread.push(ev('thread_workflow_message', JSON.stringify({ role, content, meta, timestamp: t }), t));
  };
  msg('__start__', wf.prompt, { workflow });
  const steps = finalStatus === 'started' ? wf.steps.slice(0, 2) : wf.steps;
  for (const [role, text] of steps) {
    const content = fill(text, rnd);
    if (role === 'executor') {
      t += 200;
      const command = { type: 'command', command: content, exitCode: 0, durationMs: Math.floor(rnd() * 4000) };
      thread.push(ev('thread_command_event', JSON.stringify(command), t));
    }
    msg(role, content, { model: 'local-8b', tokens: 80 + Math.floor(rnd() * 900) });
  }
  // Reports and command output go to the blob store; the thread keeps the hash.
  if (finalStatus !== 'started') {
    const report = `# ${workflow} ${runId}\n\n${steps.map(([r, s]) => `- ${r}: ${fill(s, rnd)}`).join('\n')}\n`;
    const hash = blobs.write(report);
    if (rnd() < 0.25) {
      const lines = Array.from(
        { length: 200 + Math.floor(rnd() * 800) },
        (_, i) => `${new Date(start + i * 1000).toISOString()} step ${i} ok`,
      );
      msg('executor', 'attached the full command output', { output: blobs.write(`${lines.join('\n')}\n`) });
    }
    msg('reporter', `report stored as blob ${hash.slice(0, 12)}`, { report: hash });
  }
  store.appendMany(thread);
  if (finalStatus === 'started') return;
  t += 1000;
  const exitCode = finalStatus === 'completed' ? 0 : finalStatus === 'failed' ? 1 : null;
  store.upsertWorkflowRun(ev(finalStatus, JSON.stringify({ exitCode }), t), run(finalStatus, t, exitCode));
}

function pickStatus(rnd) {
  const x = rnd();
  if (x < 0.8) return 'completed';
  if (x < 0.9) return 'failed';
  if (x < 0.95) return 'crashed';
  return 'interrupted';
}

async function demo(dataDir, { days, seed }) {
  const { createLogStore, createBlobStore } = require('../..');
  const paths = layout(dataDir);
  const existed = fs.existsSync(paths.db);
  const store = createLogStore(paths.db);
  const blobs = createBlobStore(paths.blobs);
  const rnd = random(seed);
  const now = Date.now();
  const first = Math.floor(now / DAY) * DAY - (days - 1) * DAY;
  const names = Object.keys(WORKFLOWS);
  // A second demo in the same directory gets run ids of its own.
  const session = existed ? `-${now.toString(36)}` : '';
  let runs = 0;
  try {
    for (let day = first; day <= now; day += DAY) {
      store.appendMany(signalsForDay(day, rnd, now - 10 * MIN));
      const perDay = 2 + Math.floor(rnd() * 3);
      for (let i = 0; i < perDay; i += 1) {
        const start = day + Math.floor(rnd() * (DAY - 2 * 3_600_000));
        if (start > now - 3_600_000) continue;
        const workflow = names[Math.floor(rnd() * names.length)];
        const runId = `run-${(start + seed).toString(36)}${session}-${i}`;
        workflowRun(store, blobs, rnd, { runId, workflow, start, finalStatus: pickStatus(rnd) });
        runs += 1;
      }
    }
    // Two runs still going: one working, one waiting in the queue.
    const tag = (now + seed).toString(36);
    workflowRun(store, blobs, rnd, {
      runId: `run-${tag}-live`,
      workflow: 'incident-triage',
      start: now - 4 * MIN,
      finalStatus: 'started',
    });
    workflowRun(store, blobs, rnd, {
      runId: `run-${tag}-next`,
      workflow: 'daily-digest',
      start: now - MIN,
      finalStatus: 'queued',
    });
    runs += 2;
    const archived = await store.archiveLogsAsync({ now });
    const moved = archived.days.reduce((n, d) => n + d.rowCount, 0);
    process.stdout.write(
      `${existed ? 'added to' : 'filled'} ${display(paths.root)}: ${days} days of signals, ${runs} workflow runs; ` +
        `archive pass moved ${moved} rows of ${archived.days.length} days older than 30 days to archive/logs/\n\n`,
    );
  } finally {
    store.close();
  }
  printStats(collectStats(paths));
  const data = paths.root === layout('./data').root ? '' : ` --data ${display(paths.root)}`;
  const next = ['runs', 'thread <runId>', 'logs --limit 5', 'check'].map((c) => `nerve-store ${c}${data}`);
  process.stdout.write(`\nnext: ${next.join(', ')}\n`);
}

function register(program) {
  program
    .command('demo')
    .description('fill the data directory with a realistic daemon workload, archive old days, print stats')
    .option('--days <n>', 'days of history to generate', '45')
    .option('--seed <n>', 'seed of the generated workload', '1')
    .addHelpText(
      'after',
      '\nExample:\n  nerve-store demo --data /tmp/nerve-demo && nerve-store runs --data /tmp/nerve-demo',
    )
    .action(async (_o, command) => {
      const opts = options(command);
      await demo(opts.data, {
        days: parsePositiveInt(opts.days, '--days'),
        seed: parsePositiveInt(opts.seed, '--seed'),
      });
    });
}

module.exports = { register };
