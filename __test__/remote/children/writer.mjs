// A writer for the remote kill test: writes blobs and archives days with a remote, keepLocal:
// false, and appends each acknowledged write to a ledger, until it is killed.
//   node writer.mjs <data dir> <ledger> <remote JSON> <seed>
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { createBlobStore, createLogStore } = require('../../../index.js');
const { random } = require('../../../cli/random.js');

const [dir, ledger, remoteJson, seedText] = process.argv.slice(2);
const remote = JSON.parse(remoteJson);
const rand = random(Number(seedText));
const blobs = createBlobStore(join(dir, 'blobs'), { remote });
const logs = createLogStore(join(dir, 'logs.db'), { remote });
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
let n = 0;
for (;;) {
  const size = 1 + Math.floor(rand() * 20_000);
  const content = Buffer.alloc(size, `${seedText}-${n++}-${rand()}`);
  const hash = blobs.write(content);
  appendFileSync(ledger, `blob ${hash}\n`);
  const id = logs.append({
    source: 'kill',
    type: 'row',
    refId: null,
    payload: JSON.stringify({ n }),
    timestamp: T0 + Math.floor(rand() * 20) * DAY + n,
  }).id;
  appendFileSync(ledger, `row ${id}\n`);
  if (n % 25 === 0) {
    const out = logs.archiveLogs({ now: T0 + 40 * DAY, retentionMs: 0 });
    for (const d of out.days) appendFileSync(ledger, `day ${d.day}\n`);
  }
}
