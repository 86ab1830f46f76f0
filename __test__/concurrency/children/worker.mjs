// A workflow worker: writes its runs' threads (workflow messages numbered 0, 1, 2, ... within
// each run) with append, appendMany and appendAsync. A run's messages are written in order, each
// write waited for before the next, so a run's rows in SQLite are always a run of consecutive
// numbers: older ones may have gone to the archive, none may be missing in between.
import { createLogStore } from '../../../index.mjs';
import { ack, config, count, nextTag, op, pace, pick, random, report, running, virtualNow } from './common.mjs';

const store = createLogStore(config.dbPath);
const MESSAGES_PER_RUN = 40;
let runNo = 0;
let seq = 0;

function message() {
  const runId = `${config.name}-run-${runNo}`;
  const payload = { role: seq % 2 ? 'assistant' : 'user', content: `${runId}#${seq}`, seq, tag: nextTag() };
  seq += 1;
  return {
    source: 'workflow',
    type: 'thread_workflow_message',
    refId: runId,
    payload: JSON.stringify(payload),
    timestamp: virtualNow(),
  };
}

function nextRunIfDone() {
  if (seq >= MESSAGES_PER_RUN) {
    runNo += 1;
    seq = 0;
  }
}

while (running()) {
  const r = random();
  const n = Math.min(1 + pick(6), MESSAGES_PER_RUN - seq);
  if (r < 0.4) await op('append', () => ack(store.append(message())));
  else if (r < 0.7) {
    const batch = Array.from({ length: n }, message);
    await op('appendMany', () => store.appendMany(batch).forEach(ack));
  } else {
    // Submitted in order: the group commit keeps that order in the ids.
    const inFlight = Array.from({ length: n }, () => store.appendAsync(message()).then(ack));
    await op('appendAsync', () => Promise.all(inFlight));
    count('appendAsync rows', n);
  }
  nextRunIfDone();
  await pace();
}
store.close();
report({ runs: runNo + 1 });
