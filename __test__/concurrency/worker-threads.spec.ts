// The addon in worker_threads: loaded in one Worker and in several at once, stores on shared and
// separate files used sync and async from each, Workers that end without close() and Workers
// terminated with async work in flight. None of it may crash the process or lose a row the store
// acknowledged; and two stores on one file in one thread see each other's writes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogStore } from '../../index.mjs';

const SCRIPT = join(__dirname, 'children', 'thread-worker.mjs');
const dir = mkdtempSync(join(tmpdir(), 'nerve-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Done = {
  done: true;
  syncId: number;
  asyncCount: number;
  queried: number;
  blob: string;
  archivedDays: number;
  sync: number;
};

class Thread {
  readonly acks = new Map<number, string>();
  readonly worker: Worker;
  readonly done: Promise<Done>;
  readonly busy: Promise<void>;
  readonly exited: Promise<number>;
  constructor(data: { dbPath: string; name: string; rows: number; mode?: string }) {
    this.worker = new Worker(SCRIPT, { workerData: { blobsRoot: join(dir, 'blobs'), ...data } });
    let done: (d: Done) => void = () => {};
    let busy: () => void = () => {};
    this.done = new Promise((resolve) => (done = resolve));
    this.busy = new Promise((resolve) => (busy = resolve));
    const errors: unknown[] = [];
    this.worker.on('message', (m) => {
      if (m.ack) {
        if (this.acks.has(m.ack[0])) errors.push(new Error(`id ${m.ack[0]} acknowledged twice`));
        this.acks.set(m.ack[0], m.ack[1]);
      } else if (m.busy) busy();
      else if (m.done) done(m);
    });
    this.worker.on('error', (e) => errors.push(e));
    this.exited = new Promise((resolve) => this.worker.on('exit', resolve)).then((code) => {
      if (errors.length > 0) throw errors[0];
      return code as number;
    });
  }
}

/**
 * Every acknowledged row is exactly once in the file or in its archive, holding what was
 * acknowledged; returns how many were checked.
 */
function expectRows(dbPath: string, threads: Thread[]): number {
  const s = createLogStore(dbPath);
  const rows = s.query({ source: 'thread' });
  s.close();
  const archiveDir = join(dirname(dbPath), 'archive', 'logs');
  if (existsSync(archiveDir)) {
    for (const f of readdirSync(archiveDir).filter((f) => f.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(archiveDir, f), 'utf8').split('\n'))
        if (line !== '') rows.push(JSON.parse(line));
    }
  }
  const byId = new Map(rows.map((r) => [r.id, JSON.parse(r.payload as string).tag]));
  expect(byId.size, 'a row is both in SQLite and in the archive, or twice in the archive').toBe(rows.length);
  let checked = 0;
  for (const t of threads) {
    for (const [id, tag] of t.acks) {
      expect(byId.get(id), `acknowledged row ${id}`).toBe(tag);
      checked += 1;
    }
  }
  return checked;
}

describe('worker_threads', () => {
  it('loads in a Worker and does sync and async calls there', async () => {
    const t = new Thread({ dbPath: join(dir, 'one', 'logs.db'), name: 'one', rows: 100 });
    const d = await t.done;
    expect(await t.exited).toBe(0);
    expect(d.asyncCount).toBe(100);
    expect(d.queried).toBe(103);
    expect(d.blob).toBe('blob of one');
    expect(d.archivedDays).toBe(1);
    expect(d.sync).toBeGreaterThan(0);
    expect(t.acks.size).toBe(103);
  });

  it('loads in several Workers at once, on a shared file and on files of their own', async () => {
    const shared = join(dir, 'shared', 'logs.db');
    const threads = [0, 1, 2, 3, 4, 5].map(
      (i) => new Thread({ dbPath: i < 4 ? shared : join(dir, `own${i}`, 'logs.db'), name: `t${i}`, rows: 200 }),
    );
    const results = await Promise.all(threads.map((t) => t.done));
    expect(await Promise.all(threads.map((t) => t.exited))).toEqual([0, 0, 0, 0, 0, 0]);
    for (const d of results) expect(d.asyncCount).toBe(200);
    const ids = threads.flatMap((t) => [...t.acks.keys()]);
    expect(new Set(ids.slice(0, 4 * 203)).size).toBe(4 * 203);
    expect(expectRows(shared, threads.slice(0, 4))).toBe(4 * 203);
  });

  it('a Worker that ends without close() leaves a usable file behind', async () => {
    const dbPath = join(dir, 'open', 'logs.db');
    const t = new Thread({ dbPath, name: 'open', rows: 50, mode: 'leave-open' });
    await t.done;
    expect(await t.exited).toBe(0);
    const s = createLogStore(dbPath);
    s.append({ source: 'main', type: 'after', refId: null, payload: null, timestamp: 1 });
    s.close();
    expect(expectRows(dbPath, [t])).toBe(53);
  });

  it('appends queued when a Worker is terminated are still committed, and its writer thread ends', async () => {
    const dbPath = join(dir, 'queued', 'logs.db');
    const t = new Thread({ dbPath, name: 'queued', rows: 3000, mode: 'queue' });
    await t.busy;
    await t.worker.terminate();
    expect(await t.exited).toBe(1);
    const s = createLogStore(dbPath);
    expect(s.query({ refId: 'queued' })).toHaveLength(3000);
    s.close();
    if (existsSync('/proc/self/task')) {
      const names = readdirSync('/proc/self/task').map((id) =>
        readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim(),
      );
      expect(names.filter((n) => n.startsWith('nerve-store'))).toEqual([]);
    }
  });

  it('terminate() with appends, queries, archives and blob work in flight neither crashes nor loses acknowledged rows', async () => {
    const dbPath = join(dir, 'flood', 'logs.db');
    const threads: Thread[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = [0, 1, 2].map((i) => new Thread({ dbPath, name: `f${round}-${i}`, rows: 20, mode: 'flood' }));
      await Promise.all(batch.map((t) => t.busy));
      // Let the flood run a moment, at different lengths, then cut each thread off.
      await new Promise((r) => setTimeout(r, 5 + round * 7));
      await Promise.all(batch.map((t) => t.worker.terminate()));
      expect(await Promise.all(batch.map((t) => t.exited))).toEqual([1, 1, 1]);
      threads.push(...batch);
    }
    // The process is alive and the addon still loads in a fresh Worker on the same file.
    const after = new Thread({ dbPath, name: 'after', rows: 10 });
    expect((await after.done).asyncCount).toBe(10);
    expect(await after.exited).toBe(0);
    const acknowledged = threads.reduce((sum, t) => sum + t.acks.size, 0);
    const checked = expectRows(dbPath, [...threads, after]);
    console.log(
      `worker_threads: ${threads.length} Workers terminated mid-flight; ${acknowledged} rows acknowledged before, all ${checked} (with the last Worker's) found exactly once`,
    );
    expect(checked).toBe(acknowledged + after.acks.size);
  });
});
