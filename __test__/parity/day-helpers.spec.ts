// The eight UTC-day helpers and the two constants, called with the same seeded inputs on both
// implementations: JavaScript Date semantics down to years below 100, above 9999 and values
// beyond Date's range.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { canon, capture, codeAdded, showOutcome } from './support/canon';
import { DAY, dayArb, dayCallArb, msArb, strArb } from './support/gen';
import { ours, reference } from './support/harness';
import { reportStats, stats } from './support/stats';

const SEED = 20_261_122;

function same(fn: string, args: unknown[]): string | null {
  const r = capture(() => (reference as any)[fn](...args));
  const o = capture(() => (ours as any)[fn](...args));
  stats.comparisons += 1;
  const a = showOutcome(r);
  const b = showOutcome(o);
  // The reference's own errors (Date's RangeError, its plain Errors) carry no `code`; ours add one.
  if (a === b || codeAdded(r, o)) return null;
  return `${fn}(${fc.stringify(args)})\n    reference: ${a}\n    ours:      ${b}`;
}

function check(calls: { fn: string; args: unknown[] }[]): void {
  const bad: string[] = [];
  for (const { fn, args } of calls) {
    stats.operations += 1;
    const m = same(fn, args);
    if (m && bad.length < 20) bad.push(m);
  }
  expect(bad, `seed ${SEED}:\n${bad.join('\n')}`).toEqual([]);
}

describe('UTC-day helpers', () => {
  afterAll(() => reportStats('day-helpers'));

  it('export the same names, kinds and constants', () => {
    const names = (m: object) =>
      Object.keys(m)
        .sort()
        .map((k) => `${k}:${typeof (m as any)[k]}`);
    stats.comparisons += 3;
    // The reference's module namespace also carries nothing else; ours is a CommonJS object.
    expect(names(ours)).toEqual(names(reference));
    expect(canon(ours.LOG_ARCHIVE_META_KEY)).toBe(canon(reference.LOG_ARCHIVE_META_KEY));
    expect(canon(ours.DEFAULT_LOG_RETENTION_MS)).toBe(canon(reference.DEFAULT_LOG_RETENTION_MS));
  });

  it('agree on seeded random calls', () => {
    check(fc.sample(dayCallArb(), { seed: SEED, numRuns: 20_000 }));
  });

  it('agree on every day of a leap-year window and at the ends of the date range', () => {
    const calls: { fn: string; args: unknown[] }[] = [];
    const fns = ['assertValidUtcDay', 'utcDayStartMs', 'utcDayEndExclusiveMs', 'prevUtcDay', 'nextUtcDay'];
    const starts = [
      Date.UTC(2023, 11, 1),
      Date.UTC(1899, 11, 1),
      Date.UTC(100, 0, 1) - 40 * DAY,
      Date.UTC(9999, 10, 1),
      Date.UTC(1969, 11, 1),
    ];
    for (const start of starts) {
      for (let d = 0; d < 100; d++) {
        const ms = start + d * DAY;
        for (const t of [ms, ms - 1, ms + 0.5]) {
          calls.push({ fn: 'utcDateStringFromMs', args: [t] }, { fn: 'lastArchivableUtcDay', args: [t] });
        }
        const day = new Date(ms).toISOString().slice(0, 10);
        for (const fn of fns) calls.push({ fn, args: [day] });
        calls.push({ fn: 'compareIsoDays', args: [day, new Date(ms + DAY).toISOString().slice(0, 10)] });
      }
    }
    for (let y = 0; y <= 120; y++) {
      for (const md of ['01-01', '02-29', '12-31', '13-01', '00-00'])
        calls.push({ fn: 'utcDayStartMs', args: [`${String(y).padStart(4, '0')}-${md}`] });
    }
    check(calls);
  });

  it('agree on compareIsoDays for any strings, surrogates and all', () => {
    const pairs = fc.sample(
      fc.tuple(
        fc.oneof(strArb, dayArb, fc.string({ unit: 'binary', maxLength: 4 })),
        fc.oneof(strArb, dayArb, fc.string({ unit: 'binary', maxLength: 4 })),
      ),
      {
        seed: SEED + 1,
        numRuns: 5_000,
      },
    );
    check(pairs.map(([a, b]) => ({ fn: 'compareIsoDays', args: [a, b] })));
  });

  it('agree on millisecond values near every edge', () => {
    const ms = fc.sample(msArb, { seed: SEED + 2, numRuns: 5_000 });
    check(
      ms.flatMap((m) => [
        { fn: 'utcDateStringFromMs', args: [m] },
        { fn: 'lastArchivableUtcDay', args: [m] },
      ]),
    );
  });
});
