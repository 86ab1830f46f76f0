// The archiver: moves the days that fell out of the retention window to the JSONL archive,
// with archiveLogs, archiveLogsAsync and the `nerve-store archive` CLI in turn, now and then one
// day at a time or with a VACUUM, while everyone else keeps writing and reading.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogStore } from '../../../index.mjs';
import { config, count, op, pick, report, running, virtualNow } from './common.mjs';

const CLI = fileURLToPath(new URL('../../../cli/nerve-store.js', import.meta.url));
const store = createLogStore(config.dbPath);
let daysArchived = 0;
let rowsMoved = 0;

function tally(result) {
  daysArchived += result.days.length;
  for (const d of result.days) rowsMoved += d.rowCount;
}

function cliArchive() {
  // The CLI takes the wall clock as `now`; a retention that reaches back to the virtual clock's
  // boundary gives it the same days.
  const retention = Date.now() - virtualNow() + config.retentionMs;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, '--data', config.dataDir, 'archive', '--retention', String(retention), '--no-progress', '--json'],
      (err, stdout, stderr) => {
        if (err) reject(new Error(`nerve-store archive: ${err.message} ${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

let turn = 0;
while (running()) {
  await sleep(100 + pick(150));
  turn += 1;
  const options = { now: virtualNow(), retentionMs: config.retentionMs };
  if (turn % 4 === 0) options.maxDays = 1;
  if (turn % 25 === 0) options.vacuum = true;
  if (turn % 6 === 0) await op('cli archive', async () => tally(await cliArchive()));
  else if (turn % 2 === 0) await op('archiveLogs', () => tally(store.archiveLogs(options)));
  else await op('archiveLogsAsync', async () => tally(await store.archiveLogsAsync(options)));
  if (options.vacuum) count('with vacuum');
}
store.close();
report({ daysArchived, rowsMoved });
