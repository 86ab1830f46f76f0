import { describe, expect, it } from 'vitest';
import type { WorkflowRun, WorkflowRunStatus } from '../../index.mjs';
import { entry, expectArgError, foreignSqlite, openStore, run, thrown } from './helpers';

const STATUSES: WorkflowRunStatus[] = [
  'queued',
  'started',
  'completed',
  'failed',
  'crashed',
  'dropped',
  'interrupted',
  'killed',
];

describe('upsertWorkflowRun / appendWithWorkflowUpdate', () => {
  it('appends the entry, upserts the run and returns {...entry, id}', () => {
    const { store } = openStore();
    const e = { payload: '{"a":1}', timestamp: 7, refId: 'run-1', type: 'queued', source: 'workflow' };
    const out = store.upsertWorkflowRun(e, run({ timestamp: 7 }));
    expect(out).toEqual({ ...e, id: 1 });
    expect(Object.keys(out)).toEqual(['payload', 'timestamp', 'refId', 'type', 'source', 'id']);
    expect(store.query()).toEqual([
      { id: 1, source: 'workflow', type: 'queued', refId: 'run-1', payload: '{"a":1}', timestamp: 7 },
    ]);
    expect(store.getWorkflowRun('run-1')).toEqual({
      runId: 'run-1',
      workflow: 'wf',
      status: 'queued',
      timestamp: 7,
      exitCode: null,
    });
  });

  it('an entry that already has id: the key keeps its place and gets the new id', () => {
    const { store } = openStore();
    store.append(entry());
    const out = store.appendWithWorkflowUpdate({ id: 42, ...entry() } as any, run());
    expect(Object.keys(out)).toEqual(['id', 'source', 'type', 'refId', 'payload', 'timestamp']);
    expect(out.id).toBe(2);
  });

  it('appendWithWorkflowUpdate is the same operation', () => {
    const { store } = openStore();
    const out = store.appendWithWorkflowUpdate(entry({ type: 'started' }), run({ status: 'started' }));
    expect(out).toEqual({ ...entry({ type: 'started' }), id: 1 });
    expect(store.getWorkflowRun('run-1')?.status).toBe('started');
  });

  it('follows a run through its lifecycle, replacing the row each time', () => {
    const { store } = openStore();
    const life: Array<[WorkflowRunStatus, number, number | null]> = [
      ['queued', 100, null],
      ['started', 200, null],
      ['failed', 300, 2],
    ];
    for (const [status, ts, exitCode] of life) {
      store.upsertWorkflowRun(
        entry({ source: 'workflow', type: status, refId: 'run-1', timestamp: ts }),
        run({ status, timestamp: ts, exitCode }),
      );
    }
    expect(store.getWorkflowRun('run-1')).toEqual({
      runId: 'run-1',
      workflow: 'wf',
      status: 'failed',
      timestamp: 300,
      exitCode: 2,
    });
    expect(store.query({ refId: 'run-1' }).map((r) => r.type)).toEqual(['queued', 'started', 'failed']);
    expect(store.getAllWorkflowRuns(null)).toHaveLength(1);
    // A later upsert can also move it to another workflow name and clear the exit code.
    store.upsertWorkflowRun(entry(), run({ workflow: 'other', status: 'completed', timestamp: 400, exitCode: null }));
    expect(store.getWorkflowRun('run-1')).toEqual({
      runId: 'run-1',
      workflow: 'other',
      status: 'completed',
      timestamp: 400,
      exitCode: null,
    });
  });

  it('accepts all eight statuses, killed included', () => {
    const { store } = openStore();
    for (const [i, status] of STATUSES.entries())
      store.upsertWorkflowRun(entry(), run({ runId: `r${i}`, status, timestamp: i }));
    expect(store.getAllWorkflowRuns(null).map((r) => r.status)).toEqual([...STATUSES].reverse());
  });

  it('keeps fractional timestamps and exit codes as numbers', () => {
    const { store } = openStore();
    store.upsertWorkflowRun(entry(), run({ timestamp: 2.5, exitCode: 1.5 }));
    expect(store.getWorkflowRun('run-1')).toMatchObject({ timestamp: 2.5, exitCode: 1.5 });
    store.upsertWorkflowRun(entry(), run({ timestamp: -3, exitCode: -1 }));
    expect(store.getWorkflowRun('run-1')).toMatchObject({ timestamp: -3, exitCode: -1 });
  });

  it('an unknown status is rejected before anything is written (no log row, no run)', () => {
    const { store } = openStore();
    expectArgError(() => store.upsertWorkflowRun(entry(), run({ status: 'bogus' as WorkflowRunStatus })), 'run.status');
    expectArgError(
      () => store.upsertWorkflowRun(entry(), run({ status: 'Queued' as WorkflowRunStatus })),
      'run.status',
    );
    expect(store.query()).toEqual([]);
    expect(store.getWorkflowRun('run-1')).toBeNull();
  });

  const badRuns: Array<
    [string, Partial<Record<keyof WorkflowRun, unknown>>, string, typeof TypeError | typeof RangeError]
  > = [
    ['number runId', { runId: 5 }, 'run.runId', TypeError],
    ['null workflow', { workflow: null }, 'run.workflow', TypeError],
    ['number status', { status: 1 }, 'run.status', TypeError],
    ['string timestamp', { timestamp: '1' }, 'run.timestamp', TypeError],
    ['NaN timestamp', { timestamp: Number.NaN }, 'run.timestamp', RangeError],
    ['undefined exitCode', { exitCode: undefined }, 'run.exitCode', TypeError],
    ['string exitCode', { exitCode: '0' }, 'run.exitCode', TypeError],
    ['NaN exitCode', { exitCode: Number.NaN }, 'run.exitCode', RangeError],
  ];
  for (const [name, over, arg, ctor] of badRuns) {
    it(`a run with ${name} throws naming ${arg}; nothing is stored`, () => {
      const { store } = openStore();
      expectArgError(() => store.upsertWorkflowRun(entry(), { ...run(), ...over } as WorkflowRun), arg, ctor);
      expect(store.query()).toEqual([]);
      expect(store.getAllWorkflowRuns(null)).toEqual([]);
    });
  }

  it('a bad entry or a non-object run throws; nothing is stored', () => {
    const { store } = openStore();
    expectArgError(() => store.upsertWorkflowRun({ ...entry(), source: 1 } as any, run()), 'entry.source');
    expectArgError(() => store.upsertWorkflowRun(null as any, run()), 'entry');
    expectArgError(() => store.upsertWorkflowRun(entry(), null as any), 'run');
    expectArgError(() => (store.upsertWorkflowRun as any)(entry()), 'run');
    expect(store.query()).toEqual([]);
    expect(store.getAllWorkflowRuns(null)).toEqual([]);
  });
});

describe('reading workflow runs', () => {
  function seeded() {
    const { store, dbPath } = openStore();
    const runs: WorkflowRun[] = [
      run({ runId: 'a', workflow: 'build', status: 'started', timestamp: 300 }),
      run({ runId: 'b', workflow: 'build', status: 'completed', timestamp: 100, exitCode: 0 }),
      run({ runId: 'c', workflow: 'deploy', status: 'queued', timestamp: 200 }),
      run({ runId: 'd', workflow: 'build', status: 'queued', timestamp: 50 }),
      run({ runId: 'e', workflow: 'deploy', status: 'killed', timestamp: 400, exitCode: 137 }),
      run({ runId: 'f', workflow: 'deploy', status: 'started', timestamp: 250.5 }),
    ];
    for (const r of runs) store.upsertWorkflowRun(entry({ source: 'workflow', type: r.status, refId: r.runId }), r);
    return { store, dbPath };
  }
  const ids = (rs: WorkflowRun[]) => rs.map((r) => r.runId);

  it('getWorkflowRun returns the row with keys runId, workflow, status, timestamp, exitCode, or null', () => {
    const { store } = seeded();
    const r = store.getWorkflowRun('e');
    expect(r).toEqual({ runId: 'e', workflow: 'deploy', status: 'killed', timestamp: 400, exitCode: 137 });
    expect(Object.keys(r!)).toEqual(['runId', 'workflow', 'status', 'timestamp', 'exitCode']);
    expect(store.getWorkflowRun('nope')).toBeNull();
    expect(store.getWorkflowRun('')).toBeNull();
  });

  it('getActiveWorkflowRuns: queued and started only, oldest first, optionally by workflow', () => {
    const { store } = seeded();
    expect(ids(store.getActiveWorkflowRuns())).toEqual(['d', 'c', 'f', 'a']);
    expect(ids(store.getActiveWorkflowRuns(undefined))).toEqual(['d', 'c', 'f', 'a']);
    expect(ids(store.getActiveWorkflowRuns('build'))).toEqual(['d', 'a']);
    expect(ids(store.getActiveWorkflowRuns('deploy'))).toEqual(['c', 'f']);
    expect(store.getActiveWorkflowRuns('none')).toEqual([]);
  });

  it('getActiveWorkflowRuns(null) matches no workflow (null is bound, as in the reference)', () => {
    const { store } = seeded();
    expect(store.getActiveWorkflowRuns(null as any)).toEqual([]);
  });

  it('getAllWorkflowRuns: every status, newest first; null means every workflow', () => {
    const { store } = seeded();
    expect(ids(store.getAllWorkflowRuns(null))).toEqual(['e', 'a', 'f', 'c', 'b', 'd']);
    expect(ids(store.getAllWorkflowRuns('build'))).toEqual(['a', 'b', 'd']);
    expect(ids(store.getAllWorkflowRuns('deploy'))).toEqual(['e', 'f', 'c']);
    expect(store.getAllWorkflowRuns('none')).toEqual([]);
    for (const r of store.getAllWorkflowRuns(null))
      expect(Object.keys(r)).toEqual(['runId', 'workflow', 'status', 'timestamp', 'exitCode']);
  });

  it('wrong argument types throw naming the argument', () => {
    const { store } = seeded();
    expectArgError(() => store.getWorkflowRun(5 as any), 'runId');
    expectArgError(() => store.getWorkflowRun(undefined as any), 'runId');
    expectArgError(() => store.getActiveWorkflowRuns(5 as any), 'workflowName');
    expectArgError(() => store.getAllWorkflowRuns(5 as any), 'workflowName');
    // The reference binds undefined and node:sqlite refuses it: a TypeError with ERR_INVALID_ARG_TYPE.
    const err = thrown(() => store.getAllWorkflowRuns(undefined as any));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
  });

  it.skipIf(foreignSqlite === null)('a stored status outside the eight throws on every read that meets it', () => {
    const { store, dbPath } = seeded();
    foreignSqlite!(dbPath, "INSERT INTO workflow_runs VALUES ('x', 'build', 'paused', 150, NULL)");
    const expectBadStatus = (fn: () => unknown) => {
      const err = thrown(fn);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toBe('Invalid workflow run status from DB: "paused"');
    };
    expectBadStatus(() => store.getWorkflowRun('x'));
    expectBadStatus(() => store.getAllWorkflowRuns(null));
    expectBadStatus(() => store.getAllWorkflowRuns('build'));
    // Rows that do not include it still read fine.
    expect(store.getWorkflowRun('a')?.status).toBe('started');
    expect(ids(store.getAllWorkflowRuns('deploy'))).toEqual(['e', 'f', 'c']);
    expect(ids(store.getActiveWorkflowRuns('build'))).toEqual(['d', 'a']);
  });

  it.skipIf(foreignSqlite === null)('a case variant of a known status is unknown too', () => {
    const { store, dbPath } = seeded();
    foreignSqlite!(dbPath, "INSERT INTO workflow_runs VALUES ('y', 'build', 'Started', 150, NULL)");
    expect(thrown(() => store.getWorkflowRun('y')).message).toBe('Invalid workflow run status from DB: "Started"');
    // 'Started' is not IN ('queued', 'started'), so the active list does not meet it.
    expect(ids(store.getActiveWorkflowRuns())).toEqual(['d', 'c', 'f', 'a']);
  });
});

describe('getTriggerPayload', () => {
  function started(
    store: ReturnType<typeof openStore>['store'],
    refId: string,
    payload: string | null,
    type = 'started',
    source = 'workflow',
  ) {
    store.append({ source, type, refId, payload, timestamp: 1 });
  }

  it('returns the launch shape {prompt, maxRounds, dryRun} of the first started row', () => {
    const { store } = openStore();
    started(store, 'a', JSON.stringify({ prompt: 'p', maxRounds: 3 }));
    started(store, 'a', JSON.stringify({ prompt: 'later', maxRounds: 9 }));
    started(store, 'b', JSON.stringify({ maxRounds: 2.5, prompt: 'q', dryRun: true, extra: 1 }));
    started(store, 'c', JSON.stringify({ prompt: 'r', maxRounds: 1, dryRun: 'yes' }));
    expect(store.getTriggerPayload('a')).toEqual({ prompt: 'p', maxRounds: 3, dryRun: false });
    const b = store.getTriggerPayload('b');
    expect(b).toEqual({ prompt: 'q', maxRounds: 2.5, dryRun: true });
    expect(Object.keys(b as object)).toEqual(['prompt', 'maxRounds', 'dryRun']);
    expect(store.getTriggerPayload('c')).toEqual({ prompt: 'r', maxRounds: 1, dryRun: false });
  });

  it('falls back to triggerPayload: its launch shape, else the record itself', () => {
    const { store } = openStore();
    started(store, 'a', JSON.stringify({ triggerPayload: { prompt: 'q', maxRounds: 2, dryRun: true, z: 1 } }));
    started(store, 'b', JSON.stringify({ triggerPayload: { foo: 1, bar: [1, 2], nested: { x: null } } }));
    started(store, 'c', JSON.stringify({ prompt: 'x', triggerPayload: { prompt: 'y', maxRounds: 4 } }));
    started(store, 'd', JSON.stringify({ triggerPayload: { prompt: 'x', maxRounds: '3' } }));
    started(store, 'e', JSON.stringify({ prompt: 'p', maxRounds: 3, triggerPayload: { x: 1 } }));
    started(store, 'f', '{"triggerPayload":{"__proto__":{"a":1}}}');
    expect(store.getTriggerPayload('a')).toEqual({ prompt: 'q', maxRounds: 2, dryRun: true });
    expect(store.getTriggerPayload('b')).toEqual({ foo: 1, bar: [1, 2], nested: { x: null } });
    expect(store.getTriggerPayload('c')).toEqual({ prompt: 'y', maxRounds: 4, dryRun: false });
    expect(store.getTriggerPayload('d')).toEqual({ prompt: 'x', maxRounds: '3' });
    expect(store.getTriggerPayload('e')).toEqual({ prompt: 'p', maxRounds: 3, dryRun: false });
    // JSON.parse makes "__proto__" an own key, so the inner record is returned as parsed.
    const f = store.getTriggerPayload('f') as Record<string, unknown>;
    expect(Object.keys(f)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(f, '__proto__')?.value).toEqual({ a: 1 });
  });

  it('returns null for missing rows, null/invalid/non-record payloads and unusable shapes', () => {
    const { store } = openStore();
    started(store, 'null', null);
    started(store, 'text', 'not json');
    started(store, 'array', '[1,2]');
    started(store, 'number', '42');
    started(store, 'string', '"s"');
    started(store, 'partial', JSON.stringify({ prompt: 'x' }));
    started(store, 'innerNull', '{"triggerPayload":null}');
    started(store, 'innerArray', '{"triggerPayload":[1]}');
    started(store, 'innerString', '{"triggerPayload":"x"}');
    started(store, 'proto', '{"__proto__":{"prompt":"p","maxRounds":1}}');
    started(store, 'wrongType', JSON.stringify({ prompt: 'p', maxRounds: 3 }), 'queued');
    started(store, 'wrongSource', JSON.stringify({ prompt: 'p', maxRounds: 3 }), 'started', 'system');
    for (const id of [
      'null',
      'text',
      'array',
      'number',
      'string',
      'partial',
      'innerNull',
      'innerArray',
      'innerString',
      'proto',
      'wrongType',
      'wrongSource',
      'missing',
    ]) {
      expect(store.getTriggerPayload(id), id).toBeNull();
    }
  });

  it('only the first started row counts, even when it is unusable', () => {
    const { store } = openStore();
    started(store, 'a', 'broken');
    started(store, 'a', JSON.stringify({ prompt: 'p', maxRounds: 3 }));
    expect(store.getTriggerPayload('a')).toBeNull();
  });

  it('rejects a non-string runId', () => {
    const { store } = openStore();
    expectArgError(() => store.getTriggerPayload(5 as any), 'runId');
  });
});
