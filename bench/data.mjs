// Benchmark data: one deterministic log table, written once with node:sqlite in a single
// transaction into a database created by the reference's createLogStore, then copied file-for-file
// so the reference and ours always start from identical rows.
import { closeSync, copyFileSync, fsyncSync, openSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import cliRandom from '../cli/random.js';

const { random } = cliRandom;

export const DAY_MS = 86_400_000;
/** 2026-01-01T00:00:00Z: the first row's day. */
export const START_MS = Date.UTC(2026, 0, 1);
/** The run whose thread the thread workloads read. */
export const THREAD_RUN = 'run-thread';

const WORDS = (
  'the daemon scheduled workflow step agent tool call result output error retry queue ' +
  'message thread round model token prompt context file path read write commit merge build ' +
  'test passed failed timeout network cache index query payload archive blob hash verify'
).split(' ');

function text(rand, words) {
  let s = '';
  for (let i = 0; i < words; i++) s += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s;
}

const SOURCES = [
  ['workflow', 0.25, ['step', 'status', 'started', 'completed']],
  ['daemon', 0.35, ['heartbeat', 'tick', 'error']],
  ['sense', 0.25, ['observation', 'metric']],
  ['agent', 0.15, ['tool_call', 'message']],
];

function pick(rand) {
  let r = rand();
  for (const s of SOURCES) {
    r -= s[1];
    if (r < 0) return s;
  }
  return SOURCES[0];
}

/**
 * Fills the (already created, empty) database at `dbPath` with `rows` rows spread evenly over
 * `days` UTC days from START_MS, ids ascending with time. When `threadMessages` > 0 the run
 * THREAD_RUN is spread through the table: a `workflow/started` row, a thread start, then
 * `threadMessages` thread_workflow_message rows with a thread_command_event after every tenth.
 */
export function fillLogDb(dbPath, { rows, days = 20, threadMessages = 0, seed = 42 }) {
  const rand = random(seed);
  const span = days * DAY_MS;
  const db = new DatabaseSync(dbPath);
  const insert = db.prepare('INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES (?, ?, ?, ?, ?)');
  const threadEvents = Math.floor(threadMessages / 10);
  const threadRows = threadMessages > 0 ? threadMessages + threadEvents + 2 : 0;
  const every = threadRows > 0 ? Math.floor(rows / threadRows) : Infinity;
  let thread = 0;
  let msg = 0;
  db.exec('BEGIN');
  try {
    for (let i = 0; i < rows; i++) {
      const ts = START_MS + Math.floor((i * span) / rows);
      if (thread < threadRows && i % every === 0) {
        const k = thread++;
        if (k === 0) {
          insert.run(
            'workflow',
            'started',
            THREAD_RUN,
            JSON.stringify({ prompt: 'fix the flaky test', maxRounds: 50, dryRun: false }),
            ts,
          );
        } else if (k === 1) {
          insert.run(
            'workflow',
            'thread_command_event',
            THREAD_RUN,
            JSON.stringify({ type: 'thread_start', at: ts }),
            ts,
          );
        } else if ((k - 2) % 11 === 10) {
          insert.run(
            'workflow',
            'thread_command_event',
            THREAD_RUN,
            JSON.stringify({
              type: 'tool_call',
              tool: 'bash',
              args: { cmd: text(rand, 6) },
              ok: rand() < 0.9,
            }),
            ts,
          );
        } else {
          const long = rand() < 0.1;
          insert.run(
            'workflow',
            'thread_workflow_message',
            THREAD_RUN,
            JSON.stringify({
              role: msg % 2 === 0 ? 'user' : 'assistant',
              content: text(rand, long ? 250 : 20 + Math.floor(rand() * 60)),
              meta: { model: 'gpt-x', tokens: Math.floor(rand() * 4000), cached: rand() < 0.5 },
              timestamp: ts,
            }),
            ts,
          );
          msg++;
        }
        continue;
      }
      const [source, , types] = pick(rand);
      const type = types[Math.floor(rand() * types.length)];
      const refId = rand() < 0.85 ? `run-${Math.floor(rand() * 2000)}` : null;
      const payload =
        rand() < 0.05
          ? null
          : JSON.stringify({
              msg: text(rand, 5 + Math.floor(rand() * 30)),
              level: rand() < 0.1 ? 'warn' : 'info',
              seq: i,
              tags: ['a', 'b', 'c'].slice(0, 1 + Math.floor(rand() * 3)),
            });
      insert.run(source, type, refId, payload, ts);
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Builds a template database: the reference creates the schema, node:sqlite fills it. */
export function buildTemplate(createReferenceLogStore, dbPath, options) {
  createReferenceLogStore(dbPath).close();
  fillLogDb(dbPath, options);
}

/** Copies a closed, checkpointed database and fsyncs the copy, so its write-back is not timed. */
export function copyDb(from, to) {
  copyFileSync(from, to);
  const fd = openSync(to, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
