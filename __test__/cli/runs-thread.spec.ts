import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowRun } from '../../index.mjs';
import { createLogStore } from '../../index.mjs';
import { cli, demoDir, oneLine } from './helpers';

let dir: string;
let all: WorkflowRun[];

beforeAll(() => {
  dir = demoDir(6);
  const store = createLogStore(join(dir, 'logs.db'));
  all = store.getAllWorkflowRuns(null);
  store.close();
});

describe('nerve-store runs', () => {
  it('lists the active runs, oldest first, as a table', () => {
    const r = cli(['runs', '--data', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run +workflow +status +updated \(UTC\) +exit +rounds$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[2])).toEqual(['started', 'queued']);
  });

  it('--all --json is getAllWorkflowRuns, and --workflow narrows it', () => {
    expect(JSON.parse(cli(['runs', '--all', '--json', '--data', dir]).stdout)).toEqual(all);
    const wf = all[0]!.workflow;
    expect(JSON.parse(cli(['runs', '-a', '-w', wf, '--json', '--data', dir]).stdout)).toEqual(
      all.filter((x) => x.workflow === wf),
    );
    expect(cli(['runs', '--workflow', 'no-such-workflow', '--data', dir]).stdout).toBe(
      'no active workflow runs (--all lists every run)\n',
    );
  });
});

describe('nerve-store thread', () => {
  it('prints the run, its trigger and its rounds', () => {
    const run = all.find((x) => x.status === 'completed')!;
    const r = cli(['thread', run.runId, '--data', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`run ${run.runId}: workflow ${run.workflow}, completed, exit 0`);
    expect(r.stdout).toMatch(/^trigger: \{"prompt":/m);
    const store = createLogStore(join(dir, 'logs.db'));
    const count = store.getThreadRoundCount(run.runId);
    store.close();
    expect(r.stdout).toContain(`${count} rounds, `);
    expect(r.stdout).toMatch(/^round +time \(UTC\) +role +content$/m);
    expect(r.stdout).toMatch(new RegExp(`^${count} +\\d{4}-`, 'm'));
  });

  it('--json holds what the API returns', () => {
    const run = all[3]!;
    const data = JSON.parse(cli(['thread', run.runId, '--json', '--data', dir]).stdout);
    const store = createLogStore(join(dir, 'logs.db'));
    try {
      expect(data.run).toEqual(store.getWorkflowRun(run.runId));
      expect(data.trigger).toEqual(store.getTriggerPayload(run.runId));
      expect(data.messages).toEqual(JSON.parse(JSON.stringify(store.getThreadMessages(run.runId))));
      expect(data.events).toEqual(store.getThreadEvents(run.runId));
      expect(data.rounds.map((x: { round: number }) => x.round)).toEqual(
        Array.from({ length: store.getThreadRoundCount(run.runId) }, (_, i) => i + 1),
      );
    } finally {
      store.close();
    }
  });

  it('an unknown run is an error (exit 1), a missing argument a usage error (exit 2)', () => {
    const r = cli(['thread', 'run-nope', '--data', dir]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe('nerve-store: no workflow run "run-nope"');
    const u = cli(['thread', '--data', dir]);
    expect(u.code).toBe(2);
    expect(oneLine(u.stderr)).toMatch(/missing required argument 'runId'/);
  });
});
