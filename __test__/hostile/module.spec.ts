// createLogStore and the UTC-day helpers, called with hostile arguments on both implementations
// (see support/cases.ts). Paths stay inside each case's own working directory.
import { afterAll, describe, it } from 'vitest';
import { ours, reference } from '../parity/support/harness';
import { type Call, type Ctx, checkCall } from './support/cases';
import { reportTally } from './support/tally';
import { hostileArb, pathArg, stringArg } from './support/values';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 40);

type AnyFn = (...a: unknown[]) => any;
const REFERENCE_MEMBERS = new Set(Object.keys(reference.createLogStore(':memory:')));

/** The reference's members of the store the call opened, and its rows; the store is closed. */
function opened(c: Ctx, args: unknown[]): unknown {
  const [path, ...rest] = args;
  const s = (c.mod.createLogStore as AnyFn)(pathArg(path), ...rest);
  try {
    return [Object.keys(s).filter((k) => REFERENCE_MEMBERS.has(k)), s.query()];
  } finally {
    s.close();
  }
}

const helper = (name: string, names: string[], args: Call['args']): Call => ({
  name,
  on: 'pure',
  args,
  names,
  ours: (_c, a) => (ours as unknown as Record<string, AnyFn>)[name](...a),
  ref: (_c, a) => (reference as unknown as Record<string, AnyFn>)[name](...a),
});

const dayArg = () => stringArg('day', 'badDay');

const CALLS: Call[] = [
  {
    name: 'createLogStore',
    on: 'module',
    args: [stringArg('input', 'missing')],
    names: ['dbPath', 'options'],
    ours: opened,
    ref: opened,
  },
  helper('utcDateStringFromMs', ['ms'], [hostileArb]),
  helper('lastArchivableUtcDay', ['boundaryMs'], [hostileArb]),
  helper('assertValidUtcDay', ['day'], [dayArg()]),
  helper('utcDayStartMs', ['day'], [dayArg()]),
  helper('utcDayEndExclusiveMs', ['day'], [dayArg()]),
  helper('prevUtcDay', ['day'], [dayArg()]),
  helper('nextUtcDay', ['day'], [dayArg()]),
  helper('compareIsoDays', ['a', 'b'], [dayArg(), dayArg()]),
];

describe('hostile arguments: createLogStore and the UTC-day helpers', () => {
  afterAll(() => reportTally('module', 3));
  for (const call of CALLS) {
    const runs = call.on === 'pure' ? RUNS * 10 : RUNS;
    it(`${call.name}: the reference's result or a refusal naming the argument`, () => checkCall(call, runs), 300_000);
  }
});
