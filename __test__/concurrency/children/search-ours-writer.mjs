// This package's writer in the search test: append, appendMany and appendAsync (one group word
// per call), while a second loop of the same process archives the days that fell out of the
// retention window (archiveLogs and archiveLogsAsync, now and then one day at a time) and now and
// then searches, so two processes bring the index up to date at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogStore } from '../../../index.mjs';
import {
  ack,
  config,
  count,
  DAY,
  fail,
  nextTag,
  op,
  pace,
  pick,
  random,
  report,
  running,
  virtualNow,
} from './common.mjs';
import { COMMON, ledgerWriter, rowOf } from './search-rows.mjs';

const store = createLogStore(config.dbPath);
const ledger = ledgerWriter(config.ledger);
let group = 0;
let daysArchived = 0;
let rowsMoved = 0;

function entries(n) {
  group += 1;
  const late = random() < 0.05;
  return Array.from({ length: n }, () =>
    rowOf(nextTag(), group, late ? virtualNow() - (4 + pick(3)) * DAY : virtualNow()),
  );
}

const acknowledge = (row) => {
  ledger.row(row);
  ack(row);
};

async function writeLoop() {
  while (running()) {
    const r = random();
    const n = 1 + pick(20);
    if (r < 0.3) await op('append', () => acknowledge(store.append(entries(1)[0])));
    else if (r < 0.6) await op('appendMany', () => store.appendMany(entries(n)).forEach(acknowledge));
    else if (r < 0.95) {
      const inFlight = entries(n).map((e) => store.appendAsync(e).then(acknowledge));
      await op('appendAsync', () => Promise.all(inFlight));
      count('appendAsync rows', n);
    } else {
      // Whatever this process's search returns must be a row some writer wrote.
      await op('searchAsync', async () => {
        const { entries: found } = await store.searchAsync(COMMON, { limit: 20 });
        for (const e of found) {
          if (!JSON.parse(e.payload).msg.includes(COMMON))
            fail('searchAsync', new Error(`row ${e.id} has no ${COMMON}`));
        }
      });
    }
    await pace();
  }
}

async function archiveLoop() {
  let k = 0;
  while (running()) {
    await sleep(150 + pick(150));
    k += 1;
    const options = { now: virtualNow(), retentionMs: config.retentionMs };
    if (k % 4 === 0) options.maxDays = 1;
    ledger.archiveStart(k, options.now);
    const done = (result) => {
      ledger.archiveEnd(k, result);
      daysArchived += result.days.length;
      for (const d of result.days) rowsMoved += d.rowCount;
    };
    if (k % 2 === 0) await op('archiveLogs', () => done(store.archiveLogs(options)));
    else await op('archiveLogsAsync', async () => done(await store.archiveLogsAsync(options)));
    if (k % 5 === 0) await op('buildSearchIndex', () => store.buildSearchIndex());
  }
}

await Promise.all([writeLoop(), archiveLoop()]);
store.close();
report({ daysArchived, rowsMoved });
