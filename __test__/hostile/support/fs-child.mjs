// Runs one damaged-environment scenario in a process of its own (started inside a mount namespace
// where the data directory is read-only or a tiny tmpfs) and prints each step's outcome as JSON:
// `{ ok: true, value }` or `{ ok: false, error: { name, code, errcode, message } }`. The parent
// test reads the outcomes and checks the files once the namespace is gone.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [scenario, dir, pkg] = process.argv.slice(2);
const { createLogStore, createBlobStore } = createRequire(import.meta.url)(pkg);

const DAY = 86_400_000;
/** 2026-01-01: rows on old days, so any `now` archives them. */
const JAN1 = 1_767_225_600_000;
const steps = {};

function errorOf(e) {
  return { name: e?.constructor?.name, code: e?.code, errcode: e?.errcode, message: String(e?.message) };
}

async function step(name, fn) {
  try {
    steps[name] = { ok: true, value: await fn() };
  } catch (e) {
    steps[name] = { ok: false, error: errorOf(e) };
  }
}

const entry = (i, payloadBytes = 16) => ({
  source: 'workflow',
  type: 't',
  refId: `run-${i % 3}`,
  payload: JSON.stringify({ i, pad: 'p'.repeat(payloadBytes) }),
  timestamp: JAN1 + (i % 4) * DAY + i,
});

/** Every blob file under `root` hashes to its name (`true` when there are none). */
function blobsIntact(root) {
  let ok = true;
  let count = 0;
  let stray = 0;
  for (const shard of safeList(root)) {
    for (const name of safeList(join(root, shard))) {
      const p = join(root, shard, name);
      if (!statSync(p).isFile()) continue;
      if (name.length !== 62) {
        stray += 1;
        continue;
      }
      count += 1;
      if (createHash('sha256').update(readFileSync(p)).digest('hex') !== shard + name) ok = false;
    }
  }
  return { ok, count, stray };
}

/** Every file and directory below `d`, as relative paths. */
function listAll(d, rel = '') {
  return safeList(join(d, rel)).flatMap((name) => {
    const r = rel ? `${rel}/${name}` : name;
    return statSync(join(d, r)).isDirectory() ? [`${r}/`, ...listAll(d, r)] : [r];
  });
}

function safeList(d) {
  try {
    return readdirSync(d).sort();
  } catch {
    return [];
  }
}

const scenarios = {
  /** A copy of a data directory on a read-only mount, opened with `readOnly: true`. */
  async readonlyOpen() {
    const db = join(dir, 'logs.db');
    let store = null;
    await step('open', () => {
      store = createLogStore(db, { readOnly: true });
      return true;
    });
    if (!store) return;
    await step('count', () => store.query().length);
    await step('days', () => store.listArchiveDays().map((d) => d.day));
    await step('archived', () => store.readArchive().length);
    await step('iterated', async () => {
      let n = 0;
      for await (const _ of store.iterate({}, { includeArchive: true })) n += 1;
      return n;
    });
    await step('append', () => store.append(entry(100)));
    await step('appendMany', () => store.appendMany([entry(101)]));
    await step('appendAsync', () => store.appendAsync(entry(102)));
    await step('setMeta', () => store.setMeta('k', 'v'));
    await step('upsertWorkflowRun', () =>
      store.upsertWorkflowRun(entry(103), {
        runId: 'r',
        workflow: 'w',
        status: 'started',
        timestamp: JAN1,
        exitCode: null,
      }),
    );
    await step('archiveLogs', () => store.archiveLogs({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
    await step('archiveLogsAsync', () => store.archiveLogsAsync({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
    await step('countAfter', () => store.query().length);
    await step('close', () => store.close());
  },

  /** The data directory, with a store, archive and blobs, mounted read-only. */
  async readonly() {
    const db = join(dir, 'logs.db');
    let store = null;
    await step('referenceOpen', () => {
      const ref = createRequire(import.meta.url)('@uncaged/nerve-store').createLogStore(db);
      ref.close();
      return true;
    });
    await step('open', () => {
      store = createLogStore(db);
      return true;
    });
    if (store) {
      await step('query', () => store.query().length);
      await step('append', () => store.append(entry(100)));
      await step('appendMany', () => store.appendMany([entry(101), entry(102)]));
      await step('appendAsync', () => store.appendAsync(entry(103)));
      await step('setMeta', () => store.setMeta('k', 'v'));
      await step('archiveLogs', () => store.archiveLogs({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
      await step('archiveLogsAsync', () => store.archiveLogsAsync({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
      await step('queryAfter', () => store.query().length);
      await step('close', () => store.close());
    }
    const blobs = createBlobStore(join(dir, 'blobs'));
    const hello = createHash('sha256').update('hello').digest('hex');
    await step('blobRead', () => blobs.read(hello)?.toString());
    await step('blobWrite', () => blobs.write('new content'));
    await step('blobWriteAsync', () => blobs.writeAsync('new content async'));
    await step('blobWriteFile', () => blobs.writeFile(join(pkg, '..', 'package.json')));
    await step('blobReadToFile', () => blobs.readToFile(hello, join(dir, 'copy.txt')));
    await step('blobsIntact', () => blobsIntact(join(dir, 'blobs')));
  },

  /**
   * A writable data directory whose archive directory and blob root are read-only mounts: the
   * database takes writes, but no archive file or blob can be created.
   */
  async readonlyParts() {
    const store = createLogStore(join(dir, 'logs.db'));
    const blobs = createBlobStore(join(dir, 'blobs'));
    const hello = createHash('sha256').update('hello').digest('hex');
    await step('count', () => store.query().length);
    await step('append', () => store.append(entry(50)).id);
    await step('archiveLogs', () => store.archiveLogs({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
    await step('archiveLogsAsync', () => store.archiveLogsAsync({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
    await step('countAfterArchive', () => store.query().length);
    await step('watermark', () => store.getMeta('archived_up_to'));
    await step('close', () => store.close());
    await step('blobWrite', () => blobs.write('new'));
    await step('blobWriteAsync', () => blobs.writeAsync('new async'));
    await step('blobRead', () => blobs.read(hello)?.toString());
  },

  /**
   * A disk with room for one day file but not two: the first day is archived and committed, the
   * second fails with nothing of it deleted or claimed.
   */
  async fullMidArchive() {
    const db = join(dir, 'logs.db');
    const store = createLogStore(db);
    const rowsPerDay = 12;
    const pad = 8192;
    // Days 1..3 (2026-01-01..03), each about 100 KB as JSON lines.
    const rows = [];
    for (let d = 0; d < 3; d++)
      for (let i = 0; i < rowsPerDay; i++)
        rows.push({ source: 's', type: 't', refId: null, payload: 'p'.repeat(pad), timestamp: JAN1 + d * DAY + i });
    store.appendMany(rows);
    const dayBytes = rowsPerDay * (pad + 120);
    const { bavail, bsize } = statfsSync(dir);
    writeFileSync(join(dir, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - Math.floor(1.5 * dayBytes)), 1));
    await step('archive', () => store.archiveLogs({ now: JAN1 + 10 * DAY, retentionMs: 0 }));
    await step('watermark', () => store.getMeta('archived_up_to'));
    await step('daysLeft', () => [
      ...new Set(store.query().map((r) => new Date(r.timestamp).toISOString().slice(0, 10))),
    ]);
    await step('count', () => store.query().length);
    await step('files', () => listAll(join(dir, 'archive')));
    await step(
      'firstDayLines',
      () =>
        readFileSync(join(dir, 'archive', 'logs', '2026-01-01.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean).length,
    );
    await step('close', () => store.close());
  },

  /** A fresh store on a tiny tmpfs, filled until writes fail, then archived and emptied again. */
  async full() {
    const db = join(dir, 'logs.db');
    const store = createLogStore(db);
    const big = 4096;
    let stored = 0;
    let failure = null;
    for (let i = 0; i < 100_000 && failure === null; i++) {
      try {
        store.append(entry(i, big));
        stored += 1;
      } catch (e) {
        failure = errorOf(e);
      }
    }
    steps.fill = { ok: failure === null, value: stored, error: failure };
    await step('countAfterFull', () => store.query().length);
    await step('appendMany', () => store.appendMany([entry(1, big), entry(2, big), entry(3, big)]));
    await step('appendAsync', () => Promise.all([1, 2, 3].map((i) => store.appendAsync(entry(i, big)))));
    await step('countAfterBatches', () => store.query().length);
    // The archive needs room for its day files: with the disk full they cannot be written.
    await step('archiveFull', () => store.archiveLogs({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
    await step('archiveFullAsync', () => store.archiveLogsAsync({ now: JAN1 + 40 * DAY, retentionMs: 0 }));
    await step('countAfterArchiveFull', () => store.query().length);
    await step('watermarkAfterArchiveFull', () => store.getMeta('archived_up_to'));
    await step('archiveFilesAfterFull', () => safeList(join(dir, 'archive', 'logs')));
    const blobs = createBlobStore(join(dir, 'blobs'));
    await step('blobWrite', () => blobs.write(Buffer.alloc(512 * 1024, 7)));
    await step('blobWriteAsync', () => blobs.writeAsync(Buffer.alloc(512 * 1024, 8)));
    await step('blobsIntactFull', () => blobsIntact(join(dir, 'blobs')));
    await step('blobExistsFull', () =>
      blobs.exists(
        createHash('sha256')
          .update(Buffer.alloc(512 * 1024, 7))
          .digest('hex'),
      ),
    );
    // Room again: the rows are still there and the archive goes through.
    await step('close', () => store.close());
    rmSync(join(dir, 'filler'), { force: true });
    const again = createLogStore(db);
    await step('countReopened', () => again.query().length);
    await step('archiveWithRoom', () =>
      again.archiveLogs({ now: JAN1 + 40 * DAY, retentionMs: 0 }).days.map((d) => [d.day, d.rowCount]),
    );
    await step('countAfterArchive', () => again.query().length);
    await step('archivedLines', () =>
      safeList(join(dir, 'archive', 'logs')).map(
        (f) =>
          readFileSync(join(dir, 'archive', 'logs', f), 'utf8')
            .split('\n')
            .filter(Boolean).length,
      ),
    );
    await step('appendWithRoom', () => again.append(entry(7)).id > 0);
    again.close();
    await step('filesAtEnd', () => listAll(dir));
  },
};

// A filler file takes part of the disk before the full scenario starts, so that removing it
// later makes room again.
if (scenario === 'full')
  writeFileSync(join(dir, 'filler'), Buffer.alloc(Number(process.env.FILLER_BYTES ?? 1536 * 1024), 1));
await scenarios[scenario]();
process.stdout.write(`${JSON.stringify(steps)}\n`);
