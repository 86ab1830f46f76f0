// Every LogStore member, the reference's and this package's additions, called with hostile
// arguments on fresh seeded stores of both implementations (see support/cases.ts).
import { afterAll, describe, it } from 'vitest';
import { type Call, type Ctx, checkCall } from './support/cases';
import { reportTally } from './support/tally';
import { argOf, entriesArb, hostileArb, stringArg } from './support/values';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 40);

// The stores are typed loosely on purpose: the arguments are hostile.
type AnyFn = (...a: unknown[]) => any;
const member = (c: Ctx, name: string): AnyFn => (c.store as unknown as Record<string, AnyFn>)[name];
/** The same member on both sides. */
const same = (name: string) => (c: Ctx, a: unknown[]) => member(c, name)(...a);

const runId = () => stringArg('runId', 'empty');

const CALLS: Call[] = [
  { name: 'append', on: 'log', args: [argOf('entry')], names: ['entry'], ours: same('append'), ref: same('append') },
  { name: 'query', on: 'log', args: [argOf('filter')], names: ['filter'], ours: same('query'), ref: same('query') },
  {
    name: 'getMeta',
    on: 'log',
    args: [stringArg('empty')],
    names: ['key'],
    ours: same('getMeta'),
    ref: same('getMeta'),
  },
  {
    name: 'setMeta',
    on: 'log',
    args: [stringArg('empty', 'workflow'), stringArg('json')],
    names: ['key', 'value'],
    ours: same('setMeta'),
    ref: same('setMeta'),
  },
  ...(['upsertWorkflowRun', 'appendWithWorkflowUpdate'] as const).map(
    (name): Call => ({
      name,
      on: 'log',
      args: [argOf('entry'), argOf('run')],
      names: ['entry', 'run'],
      ours: same(name),
      ref: same(name),
    }),
  ),
  ...(
    ['getWorkflowRun', 'getTriggerPayload', 'getThreadEvents', 'getThreadMessages', 'getThreadRoundCount'] as const
  ).map((name): Call => ({ name, on: 'log', args: [runId()], names: ['runId'], ours: same(name), ref: same(name) })),
  ...(['getActiveWorkflowRuns', 'getAllWorkflowRuns'] as const).map(
    (name): Call => ({
      name,
      on: 'log',
      args: [stringArg('null', 'undefined', 'workflow')],
      names: ['workflowName'],
      ours: same(name),
      ref: same(name),
    }),
  ),
  {
    name: 'getThreadRounds',
    on: 'log',
    args: [runId(), argOf('params')],
    names: ['runId', 'params'],
    ours: same('getThreadRounds'),
    ref: same('getThreadRounds'),
  },
  {
    name: 'archiveLogs',
    on: 'log',
    args: [argOf('options')],
    names: ['options'],
    ours: same('archiveLogs'),
    ref: same('archiveLogs'),
  },
  { name: 'close', on: 'log', args: [hostileArb], names: [], ours: same('close'), ref: same('close') },
  // Additions, against what each stands for in the reference.
  {
    name: 'appendMany',
    on: 'log',
    args: [entriesArb],
    names: ['entries'],
    ours: same('appendMany'),
    ref: (c, [entries]) => (entries as unknown[]).map((e) => member(c, 'append')(e)),
    allOrNone: true,
  },
  {
    name: 'appendAsync',
    on: 'log',
    args: [argOf('entry')],
    names: ['entry'],
    ours: same('appendAsync'),
    ref: same('append'),
  },
  {
    name: 'queryAsync',
    on: 'log',
    args: [argOf('filter')],
    names: ['filter'],
    ours: same('queryAsync'),
    ref: same('query'),
  },
  {
    name: 'archiveLogsAsync',
    on: 'log',
    args: [argOf('options')],
    names: ['options'],
    ours: same('archiveLogsAsync'),
    ref: same('archiveLogs'),
  },
];

describe('hostile arguments: log store', () => {
  afterAll(() => reportTally('log-store', 3));
  for (const call of CALLS) {
    it(`${call.name}: the reference's result or a refusal naming the argument`, () => checkCall(call, RUNS), 300_000);
  }
});
