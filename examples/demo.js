#!/usr/bin/env node
'use strict';
// A small nerve daemon session against a local data directory (default ./data): signals, one
// workflow run with its thread, a blob and an archive pass. Prints what ended up stored.
const path = require('node:path');
const { createLogStore, createBlobStore, DEFAULT_LOG_RETENTION_MS } = require('..');

const dataDir = path.resolve(process.argv[2] ?? 'data');
const store = createLogStore(path.join(dataDir, 'logs.db'));
const blobs = createBlobStore(path.join(dataDir, 'blobs'));

const DAY = 86_400_000;
const now = Date.now();
const runId = `run-${now.toString(36)}`;

// An old signal, so that the archive pass has something to move.
store.append({
  source: 'sense',
  type: 'disk_usage',
  refId: null,
  payload: '{"percent":71}',
  timestamp: now - 40 * DAY,
});
store.append({ source: 'sense', type: 'disk_usage', refId: null, payload: '{"percent":93}', timestamp: now - 1000 });

const started = { prompt: 'free some disk space', maxRounds: 4, dryRun: false };
store.upsertWorkflowRun(
  { source: 'workflow', type: 'queued', refId: runId, payload: null, timestamp: now - 900 },
  { runId, workflow: 'disk-cleanup', status: 'queued', timestamp: now - 900, exitCode: null },
);
store.upsertWorkflowRun(
  { source: 'workflow', type: 'started', refId: runId, payload: JSON.stringify(started), timestamp: now - 800 },
  { runId, workflow: 'disk-cleanup', status: 'started', timestamp: now - 800, exitCode: null },
);
const report = blobs.write('removed 3.2 GB of build caches\n');
for (const [i, [role, content]] of [
  ['__start__', 'free some disk space'],
  ['planner', 'list the largest cache directories'],
  ['executor', `done, report in blob ${report.slice(0, 12)}…`],
].entries()) {
  const message = { role, content, meta: { report }, timestamp: now - 700 + i };
  store.append({
    source: 'workflow',
    type: 'thread_workflow_message',
    refId: runId,
    payload: JSON.stringify(message),
    timestamp: now - 700 + i,
  });
}
store.upsertWorkflowRun(
  { source: 'workflow', type: 'completed', refId: runId, payload: null, timestamp: now - 100 },
  { runId, workflow: 'disk-cleanup', status: 'completed', timestamp: now - 100, exitCode: 0 },
);

const archived = store.archiveLogs({ now, retentionMs: DEFAULT_LOG_RETENTION_MS });

console.log(`data directory: ${dataDir}`);
console.log(`log rows in SQLite: ${store.query().length}`);
console.log(`run ${runId}:`, store.getWorkflowRun(runId));
console.log('trigger payload:', store.getTriggerPayload(runId));
console.log(`thread rounds (${store.getThreadRoundCount(runId)}):`);
for (const r of store.getThreadRounds(runId, { before: 0, limit: 10 }).reverse()) {
  console.log(`  #${r.round} ${r.message.role}: ${r.message.content}`);
}
console.log(`blob ${report}: ${JSON.stringify(blobs.read(report)?.toString('utf8'))}`);
console.log(`archived days: ${archived.days.length}, rows moved: ${archived.days.reduce((n, d) => n + d.rowCount, 0)}`);
for (const d of archived.days.filter((d) => d.rowCount > 0)) console.log(`  ${d.day} → ${d.filePath}`);
store.close();
