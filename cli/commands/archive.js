'use strict';
const {
  openStore,
  options,
  parseDuration,
  parsePositiveInt,
  table,
  printJson,
  formatBytes,
  fileSize,
  display,
} = require('../util');

async function runWithProgress(store, days, archiveOptions) {
  const cliProgress = require('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: 'archiving [{bar}] {value}/{total} days | {rows} rows | {day}',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(days.length, 0, { rows: 0, day: days[0] ?? '' });
  // A few days per call, so the bar moves while the store still batches its transactions.
  const step = Math.max(1, Math.ceil(days.length / 50));
  const result = { days: [], vacuumed: false };
  let rows = 0;
  try {
    for (let done = 0; done < days.length; ) {
      const n = Math.min(step, days.length - done);
      const last = done + n >= days.length;
      const r = await store.archiveLogsAsync({ ...archiveOptions, maxDays: n, vacuum: last && archiveOptions.vacuum });
      if (r.days.length === 0 && !r.vacuumed) break;
      result.days.push(...r.days);
      result.vacuumed = r.vacuumed;
      rows += r.days.reduce((s, d) => s + d.rowCount, 0);
      done += Math.max(r.days.length, 1);
      bar.update(Math.min(done, days.length), { rows, day: r.days.at(-1)?.day ?? '' });
    }
  } finally {
    bar.stop();
  }
  return result;
}

function register(program) {
  program
    .command('archive')
    .description('move UTC days older than the retention from logs.db to archive/logs/YYYY-MM-DD.jsonl')
    .option('--dry-run', 'only list the days and row counts that would move')
    .option('--retention <duration>', 'keep rows younger than this in SQLite (30d, 12h, ms)', '30d')
    .option('--max-days <n>', 'archive at most n days in this pass')
    .option('--vacuum', 'run VACUUM afterwards to give the space back')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .option('--json', 'print the result ({ days, vacuumed }) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  nerve-store archive --dry-run
  nerve-store archive --retention 7d --max-days 30 --vacuum`,
    )
    .action(async (_o, command) => {
      const opts = options(command);
      const now = Date.now();
      const retentionMs = parseDuration(opts.retention, '--retention');
      const maxDays = opts.maxDays === undefined ? Infinity : parsePositiveInt(opts.maxDays, '--max-days');
      const store = openStore(command, { readOnly: Boolean(opts.dryRun) });
      try {
        const archiveOptions = { now, retentionMs, vacuum: Boolean(opts.vacuum) };
        if (Number.isFinite(maxDays)) archiveOptions.maxDays = maxDays;
        // The store works out the days (and counts their rows from the timestamp index).
        const counted = store.archivePlan(archiveOptions);
        const days = counted.map((d) => d.day);
        if (opts.dryRun) {
          if (opts.json) return printJson({ dryRun: true, days: counted });
          if (counted.length === 0) return void process.stdout.write('nothing to archive\n');
          const total = counted.reduce((n, d) => n + d.rowCount, 0);
          process.stdout.write(
            `${table(
              ['day', 'rows'],
              counted.map((d) => [d.day, d.rowCount]),
            )}\n`,
          );
          process.stdout.write(`would archive ${counted.length} days, ${total} rows (dry run: nothing changed)\n`);
          return;
        }
        const showBar = opts.progress && process.stderr.isTTY && !opts.json && days.length > 1;
        const result = showBar
          ? await runWithProgress(store, days, archiveOptions)
          : await store.archiveLogsAsync(archiveOptions);
        if (opts.json) return printJson(result);
        const moved = result.days.reduce((n, d) => n + d.rowCount, 0);
        if (result.days.length === 0) {
          process.stdout.write(`nothing to archive${result.vacuumed ? ' (vacuumed)' : ''}\n`);
          return;
        }
        const rows = result.days
          .filter((d) => d.rowCount > 0)
          .map((d) => [d.day, d.rowCount, formatBytes(fileSize(d.filePath)), display(d.filePath)]);
        if (rows.length > 0) process.stdout.write(`${table(['day', 'rows', 'file size', 'file'], rows)}\n`);
        process.stdout.write(
          `archived ${result.days.length} days, ${moved} rows moved${result.vacuumed ? ', vacuumed' : ''}\n`,
        );
      } finally {
        store.close();
      }
    });
}

module.exports = { register };
