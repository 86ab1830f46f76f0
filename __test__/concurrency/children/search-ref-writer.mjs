// The reference package (on node:sqlite) appending to the same logs.db while this package's
// writer archives and the spec searches. Runs of appends share a group word. The reference sets
// no busy timeout, so an append that meets another process's write lock fails with "database is
// locked" before it writes anything; it is tried again, as a caller of the reference would.
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogStore } from '@uncaged/nerve-store';
import { ack, config, count, DAY, nextTag, op, pace, pick, random, report, running, virtualNow } from './common.mjs';
import { ledgerWriter, rowOf } from './search-rows.mjs';

const store = createLogStore(config.dbPath);
const ledger = ledgerWriter(config.ledger);
let group = 0;

function isBusy(e) {
  return ((e.errcode ?? 0) & 0xff) === 5 || /database is locked/.test(e.message);
}

async function append(entry) {
  for (let tries = 1; ; tries++) {
    try {
      return store.append(entry);
    } catch (e) {
      if (!isBusy(e) || tries === 200) throw e;
      count('busy, tried again');
      await sleep(1 + pick(5));
    }
  }
}

while (running()) {
  group += 1;
  // Now and then a run of rows for a day that is probably archived already.
  const late = random() < 0.05;
  const n = 1 + pick(8);
  await op('append', async () => {
    for (let i = 0; i < n; i++) {
      const timestamp = late ? virtualNow() - (4 + pick(3)) * DAY : virtualNow();
      const row = await append(rowOf(nextTag(), group, timestamp));
      ledger.row(row);
      ack(row);
    }
  });
  await pace();
}
store.close();
report({ groups: group });
