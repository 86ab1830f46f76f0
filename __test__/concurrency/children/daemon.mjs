// The daemon: drives workflow runs through queued -> started -> completed (upsertWorkflowRun,
// appendWithWorkflowUpdate) and writes its own rows with append, appendMany and appendAsync,
// now and then stamped days in the past so they land on days the archiver already moved.
import { createLogStore } from '../../../index.mjs';
import { ack, config, count, DAY, nextTag, op, pace, pick, random, report, running, virtualNow } from './common.mjs';

const store = createLogStore(config.dbPath);
const STEPS = ['queued', 'started', 'completed'];
let runNo = 0;
let step = 0;

function row(type, timestamp = virtualNow()) {
  return { source: 'daemon', type, refId: null, payload: JSON.stringify({ tag: nextTag() }), timestamp };
}

async function runStep() {
  const runId = `d-run-${runNo}`;
  const status = STEPS[step];
  const timestamp = virtualNow();
  const entry = {
    source: 'workflow',
    type: status === 'queued' ? 'started' : status,
    refId: runId,
    payload: JSON.stringify({ prompt: `p${runNo}`, maxRounds: 3, tag: nextTag() }),
    timestamp,
  };
  const run = { runId, workflow: `wf${runNo % 3}`, status, timestamp, exitCode: status === 'completed' ? 0 : null };
  const kind = step === 1 ? 'appendWithWorkflowUpdate' : 'upsertWorkflowRun';
  await op(kind, () =>
    ack(step === 1 ? store.appendWithWorkflowUpdate(entry, run) : store.upsertWorkflowRun(entry, run)),
  );
  step += 1;
  if (step === STEPS.length) {
    step = 0;
    runNo += 1;
  }
}

while (running()) {
  const r = random();
  // A row for a day that is probably archived already: the archive must merge it into the file.
  const late = () => virtualNow() - (4 + pick(3)) * DAY;
  if (r < 0.3) await runStep();
  else if (r < 0.55) await op('append', () => ack(store.append(row('tick', random() < 0.05 ? late() : undefined))));
  else if (r < 0.75) {
    await op('appendMany', () => {
      for (const e of store.appendMany(Array.from({ length: 2 + pick(6) }, () => row('batch')))) ack(e);
    });
  } else {
    const n = 2 + pick(10);
    const inFlight = Array.from({ length: n }, () => store.appendAsync(row('async')).then(ack));
    await op('appendAsync', () => Promise.all(inFlight));
    count('appendAsync rows', n);
  }
  await pace();
}
store.close();
report({ runs: runNo });
