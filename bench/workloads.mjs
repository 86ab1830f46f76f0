// The workloads. Each `make(impl, env)` returns, for one implementation, the timed function `fn`
// and optional untimed `beforeEach`/`afterEach` hooks and `close`. `verify(impl, env)` returns a
// string (or a promise of one) per implementation; the runner compares them, so every ratio
// compares the same work.
// Optional fields: `async` (ours' fn returns a promise), `requires(env)` (the name of an API of
// ours that is missing, or null; the workload is then reported as not available), `info` (the
// ratio is informational: not part of the "no workload slower than the reference" target),
// `floor` (the criterion id in benches/floor.rs doing the same work from Rust alone) and
// `floorTarget` (the floor comparison is a target, so floor chunks run between the rounds).
import { mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { copyDb, DAY_MS, START_MS, THREAD_RUN } from './data.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;
/** `now` for archiveLogs: every one of the template's 20 days is past the 30-day retention. */
const ARCHIVE_NOW = START_MS + 20 * DAY_MS + 30 * DAY_MS + 12 * 3600_000;

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => {};

/** A fresh copy of the template for a writing workload, opened by `impl`. */
function freshStore(impl, env, name) {
  const dir = join(env.tmp, `${name}-${impl}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'logs.db');
  copyDb(env.template, dbPath);
  return env.mods[impl].createLogStore(dbPath);
}

const APPEND_PAYLOAD = JSON.stringify({
  msg: 'heartbeat: all subsystems nominal, queue depth 3, last tick ok',
  level: 'info',
  seq: 123456,
  tags: ['a', 'b'],
});

function appendWorkload() {
  return {
    name: 'append (autocommit)',
    key: 'append',
    cost: 'fast',
    alternate: true,
    floor: 'sqlite/insert_autocommit',
    floorTarget: true,
    make(impl, env) {
      const store = freshStore(impl, env, 'append');
      let ts = START_MS + 21 * DAY_MS;
      return {
        fn: () =>
          store.append({
            source: 'daemon',
            type: 'heartbeat',
            refId: 'run-7',
            payload: APPEND_PAYLOAD,
            timestamp: ts++,
          }),
        close: () => store.close(),
      };
    },
    verify(impl, env) {
      const store = freshStore(impl, env, 'append-verify');
      const out = store.append({
        source: 'daemon',
        type: 'heartbeat',
        refId: null,
        payload: APPEND_PAYLOAD,
        timestamp: 1,
      });
      store.close();
      return JSON.stringify(out);
    },
  };
}

function upsertWorkload() {
  const entry = (ts) => ({
    source: 'workflow',
    type: 'status',
    refId: `run-${ts % 100}`,
    payload: JSON.stringify({ status: 'started', step: ts % 7 }),
    timestamp: ts,
  });
  const run = (ts) => ({
    runId: `run-${ts % 100}`,
    workflow: 'build',
    status: 'started',
    timestamp: ts,
    exitCode: null,
  });
  return {
    name: 'upsertWorkflowRun (autocommit)',
    key: 'upsertWorkflowRun',
    cost: 'fast',
    alternate: true,
    make(impl, env) {
      const store = freshStore(impl, env, 'upsert');
      let ts = START_MS + 21 * DAY_MS;
      return {
        fn: () => {
          const t = ts++;
          return store.upsertWorkflowRun(entry(t), run(t));
        },
        close: () => store.close(),
      };
    },
    verify(impl, env) {
      const store = freshStore(impl, env, 'upsert-verify');
      const out = store.upsertWorkflowRun(entry(5), run(5));
      const runs = store.getAllWorkflowRuns(null);
      store.close();
      return JSON.stringify([out, runs]);
    },
  };
}

/** A read-only workload on the shared read copy (one per implementation). */
function readWorkload(name, key, cost, call, { heavy = false, floor } = {}) {
  return {
    name,
    key,
    cost,
    floor,
    make(impl, env) {
      const store = env.readStore(impl);
      return { fn: () => call(store), beforeEach: heavy ? gc : undefined };
    },
    verify(impl, env) {
      return JSON.stringify(call(env.readStore(impl)));
    },
  };
}

function archiveWorkload() {
  return {
    name: 'archiveLogs (20 days, 100k rows)',
    key: 'archiveLogs',
    floor: 'sqlite/archive_sql_20_days',
    cost: 'archive',
    make(impl, env) {
      const dir = join(env.tmp, `archive-${impl}`);
      let store = null;
      return {
        // Untimed: a fresh copy of the template (fsynced), opened.
        beforeEach() {
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir, { recursive: true });
          copyDb(env.template, join(dir, 'logs.db'));
          store = env.mods[impl].createLogStore(join(dir, 'logs.db'));
          gc();
        },
        fn: () => store.archiveLogs({ now: ARCHIVE_NOW }),
        afterEach() {
          store.close();
          store = null;
        },
        close() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    verify(impl, env) {
      const dir = join(env.tmp, `archive-verify-${impl}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      copyDb(env.template, join(dir, 'logs.db'));
      const store = env.mods[impl].createLogStore(join(dir, 'logs.db'));
      const out = store.archiveLogs({ now: ARCHIVE_NOW });
      const left = store.query({ limit: 5 });
      store.close();
      rmSync(dir, { recursive: true, force: true });
      return JSON.stringify([out.days.map((d) => [d.day, d.rowCount]), out.vacuumed, left]);
    },
  };
}

function blobContent(size, seed) {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) buf.writeUInt32LE(Math.imul(i + seed, 2654435761) >>> 0, i);
  return buf;
}

function blobWrite(label, size) {
  return {
    name: `blob write ${label} (new content)`,
    key: `blob.write.${label}`,
    cost: size > MiB ? 'bigblob' : 'fast',
    info: true, // durable in ours, not in the reference: judged against the floor instead
    floor: `blob/durable_write_${label}`,
    floorTarget: true,
    make(impl, env) {
      const root = join(env.tmp, `blobs-write-${label}-${impl}`);
      const store = env.mods[impl].createBlobStore(root);
      const buf = blobContent(size, 1);
      let n = 0;
      let last = null;
      return {
        beforeEach() {
          buf.writeUInt32LE(++n, 0); // new content, so the write really writes
          if (size > MiB) gc();
        },
        fn: () => {
          last = store.write(buf);
        },
        // 16 MiB files are removed (untimed) so the run does not fill the disk.
        afterEach:
          size > MiB
            ? () => {
                if (last) unlinkSync(join(root, last.slice(0, 2), last.slice(2)));
              }
            : undefined,
        close: () => rmSync(root, { recursive: true, force: true }),
      };
    },
    verify(impl, env) {
      const root = join(env.tmp, `blobs-verify-${label}-${impl}`);
      const store = env.mods[impl].createBlobStore(root);
      const hash = store.write(blobContent(size, 2));
      const again = store.write(blobContent(size, 2));
      rmSync(root, { recursive: true, force: true });
      return `${hash} ${again}`;
    },
  };
}

function blobRead(op, label, size) {
  return {
    name: `blob ${op} ${label}`,
    key: `blob.${op}.${label}`,
    cost: size > MiB && op === 'read' ? 'bigblob' : 'fast',
    floor: op === 'read' ? `blob/read_verify_${label}` : undefined,
    make(impl, env) {
      const { store, hash } = env.blobFixture(impl, label, size);
      return op === 'read'
        ? { fn: () => store.read(hash), beforeEach: size > MiB ? gc : undefined }
        : { fn: () => store.exists(hash) };
    },
    verify(impl, env) {
      const { store, hash } = env.blobFixture(impl, label, size);
      const out = op === 'read' ? store.read(hash) : store.exists(hash);
      return op === 'read' ? `${out.length} ${out.subarray(0, 16).toString('hex')}` : String(out);
    },
  };
}

/** `name` when `target` has no such method (an API of ours not built yet), else null. */
function missingOn(target, name) {
  return typeof target[name] === 'function' ? null : name;
}

// Ours' promise APIs against the reference's synchronous calls: `call(store, impl)` picks the one to run.
function queryAsyncWorkload() {
  const call = (s, impl) => (impl === 'ours' ? s.queryAsync() : s.query());
  return {
    name: 'queryAsync() all 100k rows (ref: query())',
    key: 'query.async',
    cost: 'scan',
    async: true,
    info: true, // its own target
    requires: (env) => missingOn(env.readStore('ours'), 'queryAsync'),
    make(impl, env) {
      const store = env.readStore(impl);
      return { fn: () => call(store, impl), beforeEach: gc };
    },
    async verify(impl, env) {
      return JSON.stringify(await call(env.readStore(impl), impl));
    },
  };
}

function blobWriteAsync(label, size) {
  const w = blobWrite(label, size);
  return {
    ...w,
    name: `blob writeAsync ${label} (ref: write)`,
    key: `blob.writeAsync.${label}`,
    async: true,
    info: true,
    floor: undefined,
    floorTarget: false,
    requires: (env) => missingOn(env.blobFixture('ours', '1KiB', KiB).store, 'writeAsync'),
    make(impl, env) {
      const root = join(env.tmp, `blobs-writeAsync-${label}-${impl}`);
      const store = env.mods[impl].createBlobStore(root);
      const buf = blobContent(size, 11);
      let n = 0;
      let last = null;
      return {
        beforeEach() {
          buf.writeUInt32LE(++n, 0);
          if (size > MiB) gc();
        },
        fn:
          impl === 'ours'
            ? async () => {
                last = await store.writeAsync(buf);
              }
            : () => {
                last = store.write(buf);
              },
        afterEach:
          size > MiB
            ? () => {
                if (last) unlinkSync(join(root, last.slice(0, 2), last.slice(2)));
              }
            : undefined,
        close: () => rmSync(root, { recursive: true, force: true }),
      };
    },
    async verify(impl, env) {
      const root = join(env.tmp, `blobs-verify-async-${label}-${impl}`);
      const store = env.mods[impl].createBlobStore(root);
      const write = (b) => (impl === 'ours' ? store.writeAsync(b) : store.write(b));
      const hash = await write(blobContent(size, 12));
      const again = await write(blobContent(size, 12));
      rmSync(root, { recursive: true, force: true });
      return `${hash} ${again}`;
    },
  };
}

function blobReadAsync(label, size) {
  const read = (store, impl, hash) => (impl === 'ours' ? store.readAsync(hash) : store.read(hash));
  return {
    name: `blob readAsync ${label} (ref: read)`,
    key: `blob.readAsync.${label}`,
    cost: size > MiB ? 'bigblob' : 'fast',
    async: true,
    info: true,
    requires: (env) => missingOn(env.blobFixture('ours', '1KiB', KiB).store, 'readAsync'),
    make(impl, env) {
      const { store, hash } = env.blobFixture(impl, label, size);
      return { fn: () => read(store, impl, hash), beforeEach: size > MiB ? gc : undefined };
    },
    async verify(impl, env) {
      const { store, hash } = env.blobFixture(impl, label, size);
      const out = await read(store, impl, hash);
      const missing = await read(store, impl, '0'.repeat(64));
      return `${out.length} ${out.subarray(0, 16).toString('hex')} ${missing}`;
    },
  };
}

export { ARCHIVE_NOW, blobContent, KiB, MiB };

export const WORKLOADS = [
  appendWorkload(),
  upsertWorkload(),
  readWorkload('query() all 100k rows', 'query.all', 'scan', (s) => s.query(), {
    heavy: true,
    floor: 'sqlite/scan_100k_rows',
  }),
  readWorkload('query({refId, limit: 100})', 'query.refId+limit', 'fast', (s) =>
    s.query({ refId: THREAD_RUN, limit: 100 }),
  ),
  readWorkload('query({source, type, since, until}) 1 day', 'query.source+type+range', 'fast', (s) =>
    s.query({ source: 'workflow', type: 'step', since: START_MS + 5 * DAY_MS, until: START_MS + 6 * DAY_MS - 1 }),
  ),
  readWorkload('getThreadMessages (2.5k msgs)', 'thread.messages', 'fast', (s) => s.getThreadMessages(THREAD_RUN)),
  readWorkload('getThreadRounds (limit 50)', 'thread.rounds', 'fast', (s) =>
    s.getThreadRounds(THREAD_RUN, { before: 0, limit: 50 }),
  ),
  readWorkload('getThreadRoundCount', 'thread.roundCount', 'fast', (s) => s.getThreadRoundCount(THREAD_RUN)),
  archiveWorkload(),
  blobWrite('1KiB', KiB),
  blobWrite('16MiB', 16 * MiB),
  blobRead('read', '1KiB', KiB),
  blobRead('read', '16MiB', 16 * MiB),
  blobRead('exists', '1KiB', KiB),
  blobRead('exists', '16MiB', 16 * MiB),
  queryAsyncWorkload(),
  blobWriteAsync('1KiB', KiB),
  blobWriteAsync('16MiB', 16 * MiB),
  blobReadAsync('1KiB', KiB),
  blobReadAsync('16MiB', 16 * MiB),
];
