'use strict';
const native = require('../../lib/native');
const {
  openStore,
  dataPaths,
  options,
  parseTime,
  parsePositiveInt,
  table,
  cell,
  formatTime,
  CliError,
  EXIT,
} = require('../util');

const FOLLOW_POLL_MS = 500;
// The largest time a Date holds; the store accepts no timestamp beyond it.
const MAX_DATE_MS = 8.64e15;
// Rows are looked for from this long before the newest timestamp seen, so a row committed a
// little out of timestamp order is still shown.
const FOLLOW_SLACK_MS = 5 * 60_000;

function filterFrom(opts) {
  const filter = {};
  if (opts.source !== undefined) filter.source = opts.source;
  if (opts.type !== undefined) filter.type = opts.type;
  if (opts.ref !== undefined) filter.refId = opts.ref;
  const now = Date.now();
  if (opts.since !== undefined) filter.since = parseTime(opts.since, '--since', now);
  if (opts.until !== undefined) filter.until = parseTime(opts.until, '--until', now);
  return filter;
}

function humanRows(rows) {
  return rows.map((r) => [r.id, formatTime(r.timestamp), r.source, r.type, r.refId ?? '', cell(r.payload, 70)]);
}

function print(rows, json, head) {
  if (rows.length === 0) return;
  if (json) {
    process.stdout.write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return;
  }
  const text = table(['id', 'time (UTC)', 'source', 'type', 'ref', 'payload'], humanRows(rows));
  process.stdout.write(`${head ? text : text.split('\n').slice(1).join('\n')}\n`);
}

const byTime = (a, b) => a.timestamp - b.timestamp || a.id - b.id;

/**
 * The `limit` matching rows with the latest timestamps, without reading the whole table: a
 * window back from the newest timestamp that grows until it holds `limit` rows (every row outside
 * it is older than every row inside, so the answer is exact). Also returns every row the last
 * window read, for --follow to start from.
 */
async function newest(store, dbPath, filter, limit) {
  const { firstTimestamp, lastTimestamp } = native.storeStats(dbPath);
  if (lastTimestamp === null || lastTimestamp === undefined) return { shown: [], seen: [] };
  const upper = Math.min(filter.until ?? Infinity, lastTimestamp);
  const floor = Math.max(filter.since ?? -Infinity, firstTimestamp);
  let window = Math.max(FOLLOW_SLACK_MS, 3_600_000);
  for (;;) {
    const since = upper - window;
    // Both bounds given, so SQLite walks the timestamp index rather than the table.
    const rows = await store.queryAsync({ ...filter, since: Math.max(since, filter.since ?? -Infinity), until: upper });
    if (rows.length >= limit || since <= floor || !Number.isFinite(since)) {
      const sorted = rows.sort(byTime);
      return { shown: sorted.slice(Math.max(0, sorted.length - limit)), seen: sorted };
    }
    window *= 16;
  }
}

async function follow(store, filter, seen, json) {
  let lastId = seen.reduce((m, r) => Math.max(m, r.id), 0);
  let lastTs = seen.length > 0 ? seen.reduce((m, r) => Math.max(m, r.timestamp), -Infinity) : filter.since;
  await new Promise((resolve, reject) => {
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = setInterval(() => {
      try {
        const f = { ...filter };
        if (lastTs !== undefined) f.since = Math.max(filter.since ?? -Infinity, lastTs - FOLLOW_SLACK_MS);
        if (f.since !== undefined && f.until === undefined) f.until = MAX_DATE_MS;
        const fresh = store.query(f).filter((r) => r.id > lastId);
        if (fresh.length > 0) {
          print(fresh, json, false);
          lastId = fresh[fresh.length - 1].id;
          lastTs = Math.max(lastTs ?? -Infinity, ...fresh.map((r) => r.timestamp));
        }
      } catch (e) {
        clearInterval(timer);
        reject(e);
      }
    }, FOLLOW_POLL_MS);
  });
}

/**
 * The `limit` matching rows with the latest timestamps across the archive and the database,
 * streamed (a batch at a time) and kept in a bounded list, oldest first.
 */
async function newestAcross(store, filter, limit) {
  const kept = [];
  for await (const row of store.iterate(filter, { includeArchive: true })) {
    kept.push(row);
    // Trim now and then rather than on every row: sorting is what costs.
    if (Number.isFinite(limit) && kept.length >= 2 * limit + 1000) {
      kept.sort(byTime);
      kept.splice(0, kept.length - limit);
    }
  }
  kept.sort(byTime);
  return Number.isFinite(limit) ? kept.slice(Math.max(0, kept.length - limit)) : kept;
}

function register(program) {
  program
    .command('logs')
    .description('list log rows: the --limit latest by timestamp, printed oldest first')
    .option('-s, --source <source>', 'only rows of this source')
    .option('-t, --type <type>', 'only rows of this type')
    .option('-r, --ref <refId>', 'only rows with this refId (a run id, say)')
    .option('--since <time>', 'from this time on (ms, ISO date or age such as 2h, 7d), inclusive')
    .option('--until <time>', 'up to this time, inclusive')
    .option('-n, --limit <n>', 'show the n matching rows with the latest timestamps', '20')
    .option('-a, --all', 'show every matching row (reads them all)')
    .option('-f, --follow', 'keep running and print new rows as they are appended (Ctrl-C stops)')
    .option('--archive', 'also read the archive day files (archive/logs), not only logs.db')
    .option('--json', 'one JSON object per line, the LogEntry fields')
    .addHelpText(
      'after',
      `
Examples:
  nerve-store logs --limit 5
  nerve-store logs --source workflow --ref run-42 --all
  nerve-store logs --type disk_usage --since 2h --json
  nerve-store logs --archive --since 2026-01-01 --until 2026-01-31 --all
  nerve-store logs --follow`,
    )
    .action(async (_o, command) => {
      const opts = options(command);
      const filter = filterFrom(opts);
      const limit = opts.all ? Infinity : parsePositiveInt(opts.limit, '--limit');
      if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
        throw new CliError('--since is after --until', EXIT.USAGE);
      }
      const { db: dbPath } = dataPaths(command);
      const store = openStore(command, { readOnly: true });
      try {
        let shown;
        let seen;
        if (opts.archive) {
          shown = await newestAcross(store, filter, limit);
          seen = shown;
        } else if (Number.isFinite(limit)) {
          ({ shown, seen } = await newest(store, dbPath, filter, limit));
        } else {
          shown = (await store.queryAsync(filter)).sort(byTime);
          seen = shown;
        }
        print(shown, opts.json, true);
        if (opts.follow) await follow(store, filter, seen, opts.json);
      } finally {
        store.close();
      }
    });
}

module.exports = { register };
