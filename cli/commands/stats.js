'use strict';
const fs = require('node:fs');
const path = require('node:path');
const native = require('../../lib/native');
const { dataPaths, fileSize, formatBytes, formatTime, printJson, table, options, display } = require('../util');
const { listBlobs } = require('../blobs');

function archiveFiles(dir) {
  let names;
  try {
    names = fs.readdirSync(dir).filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n));
  } catch (e) {
    if (e.code === 'ENOENT') return { files: 0, bytes: 0, first: null, last: null };
    throw e;
  }
  names.sort();
  const bytes = names.reduce((n, f) => n + fileSize(path.join(dir, f)), 0);
  const day = (f) => (f ? f.slice(0, 10) : null);
  return { files: names.length, bytes, first: day(names[0]), last: day(names[names.length - 1]) };
}

/** Figures for a data directory, as `stats --json` prints them. */
function collectStats(paths) {
  const s = native.storeStats(paths.db);
  const { createLogStore, LOG_ARCHIVE_META_KEY } = require('../..');
  const store = createLogStore(paths.db, { readOnly: true });
  let archivedUpTo;
  try {
    archivedUpTo = store.getMeta(LOG_ARCHIVE_META_KEY);
  } finally {
    store.close();
  }
  const { blobs } = listBlobs(paths.blobs);
  const counts = (list) => Object.fromEntries(list.map((c) => [c.name, c.count]));
  return {
    dataDir: paths.root,
    rows: s.rows,
    firstTimestamp: s.firstTimestamp ?? null,
    lastTimestamp: s.lastTimestamp ?? null,
    days: s.days,
    databaseBytes: fileSize(paths.db),
    walBytes: fileSize(paths.wal),
    freePages: s.freelistCount,
    pageSize: s.pageSize,
    runs: s.runsByStatus.reduce((n, c) => n + c.count, 0),
    runsByStatus: counts(s.runsByStatus),
    runsByWorkflow: counts(s.runsByWorkflow),
    blobs: blobs.length,
    blobBytes: blobs.reduce((n, b) => n + b.size, 0),
    archivedUpTo: archivedUpTo ?? null,
    archive: archiveFiles(paths.archive),
  };
}

function printStats(st) {
  const span = st.rows === 0 ? '' : ` (${formatTime(st.firstTimestamp)} to ${formatTime(st.lastTimestamp)} UTC)`;
  const byStatus = Object.entries(st.runsByStatus)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const rows = [
    ['data directory', display(st.dataDir)],
    ['log rows', `${st.rows}`],
    ['days covered', `${st.days}${span}`],
    ['database', `${formatBytes(st.databaseBytes)} (${st.freePages} free pages)`],
    ['WAL', formatBytes(st.walBytes)],
    ['workflow runs', st.runs === 0 ? '0' : `${st.runs}: ${byStatus}`],
    ['blobs', `${st.blobs}, ${formatBytes(st.blobBytes)}`],
    ['archived up to', st.archivedUpTo ?? 'never archived'],
    [
      'archive files',
      st.archive.files === 0
        ? '0'
        : `${st.archive.files}, ${formatBytes(st.archive.bytes)} (${st.archive.first} to ${st.archive.last})`,
    ],
  ];
  process.stdout.write(`${table(['', ''], rows).split('\n').slice(1).join('\n')}\n`);
}

function register(program) {
  program
    .command('stats')
    .description('rows, days covered, database and WAL size, runs by status, blobs, archive')
    .option('--json', 'print the figures as JSON')
    .action((_opts, command) => {
      const st = collectStats(dataPaths(command));
      if (options(command).json) printJson(st);
      else printStats(st);
    });
}

module.exports = { register, collectStats, printStats };
