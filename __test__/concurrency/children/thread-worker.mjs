// Runs in a worker_threads Worker: loads the addon in that thread, opens stores and uses them,
// sync and async. Every row the store acknowledges is posted to the parent at once, so a parent
// that terminates this thread knows which rows must have survived.
import { parentPort, workerData } from 'node:worker_threads';
import { createBlobStore, createLogStore } from '../../../index.mjs';

const { dbPath, blobsRoot, name, rows, mode } = workerData;
const store = createLogStore(dbPath);
const blobs = createBlobStore(blobsRoot);
const JAN1 = Date.UTC(2026, 0, 1);
let n = 0;

function entry() {
  n += 1;
  // Two days' worth of rows, so archiveLogsAsync has a day to move.
  return {
    source: 'thread',
    type: 'row',
    refId: name,
    payload: JSON.stringify({ tag: `${name}:${n}` }),
    timestamp: JAN1 + (n % 2) * 86_400_000,
  };
}

if (mode === 'queue') {
  // Queues appends and keeps the thread busy, for the parent to terminate it right away.
  for (let i = 0; i < rows; i++) store.appendAsync(entry());
  parentPort.postMessage({ busy: true });
  for (;;) await new Promise((r) => setImmediate(r));
}

const posted = (e) => parentPort.postMessage({ ack: [e.id, JSON.parse(e.payload).tag] });

const a = store.append(entry());
posted(a);
store.appendMany([entry(), entry()]).forEach(posted);
const asyncRows = await Promise.all(
  Array.from({ length: rows }, () =>
    store.appendAsync(entry()).then((e) => {
      posted(e);
      return e;
    }),
  ),
);
const mine = await store.queryAsync({ refId: name });
const hash = await blobs.writeAsync(`blob of ${name}`);
const back = await blobs.readAsync(hash);
const archived = await store.archiveLogsAsync({ now: JAN1 + 40 * 86_400_000, maxDays: 1 });
if (mode === 'flood') {
  // Keeps every kind of async work in flight until the parent terminates this thread.
  parentPort.postMessage({ busy: true });
  for (;;) {
    const work = [];
    for (let i = 0; i < 50; i++) work.push(store.appendAsync(entry()).then(posted));
    work.push(
      store.queryAsync({ refId: name, limit: 100 }),
      blobs.writeAsync(`x${n}`.repeat(4000)),
      blobs.readAsync(hash),
    );
    work.push(store.archiveLogsAsync({ now: JAN1 + 40 * 86_400_000 }));
    await Promise.all(work);
  }
}
parentPort.postMessage({
  done: true,
  syncId: a.id,
  asyncCount: asyncRows.length,
  queried: mine.length,
  blob: back?.toString(),
  archivedDays: archived.days.length,
  sync: store.query({ refId: name }).length,
});
if (mode !== 'leave-open') store.close();
