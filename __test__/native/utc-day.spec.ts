import { describe, expect, it } from 'vitest';
import {
  assertValidUtcDay,
  compareIsoDays,
  lastArchivableUtcDay,
  nextUtcDay,
  prevUtcDay,
  utcDateStringFromMs,
  utcDayEndExclusiveMs,
  utcDayStartMs,
} from '../../index.mjs';
import { expectArgError, thrown } from './helpers';

const DAY = 86_400_000;
/** What the reference computes, in plain JavaScript. */
const jsDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('utcDateStringFromMs', () => {
  it('is new Date(ms).toISOString().slice(0, 10), extended years included', () => {
    const cases: Array<[number, string]> = [
      [0, '1970-01-01'],
      [-0, '1970-01-01'],
      [-1, '1969-12-31'],
      [1.5, '1970-01-01'],
      [DAY - 0.5, '1970-01-01'],
      [Date.UTC(2024, 1, 29, 23, 59, 59, 999), '2024-02-29'],
      [253402300799999, '9999-12-31'],
      [253402300800000, '+010000-01'],
      [8.64e15, '+275760-09'],
      [-8.64e15, '-271821-04'],
      [-62198755200000, '-000001-01'],
      [-62167219200000, '0000-01-01'],
      [1e15, '+033658-09'],
    ];
    for (const [ms, want] of cases) {
      expect(utcDateStringFromMs(ms), String(ms)).toBe(want);
      expect(jsDate(ms)).toBe(want);
    }
  });

  it('agrees with Date on a sweep of values, fractions and negatives included', () => {
    for (let i = -2000; i <= 2000; i++) {
      const ms = i * 7_777_777_777.25 + (i % 7) * 0.5;
      expect(utcDateStringFromMs(ms), String(ms)).toBe(jsDate(ms));
    }
  });

  it('throws RangeError "Invalid time value" outside the Date range, for NaN and infinities', () => {
    for (const ms of [Number.NaN, Infinity, -Infinity, 8.64e15 + 1, -8.64e15 - 1, 1e300]) {
      const err = thrown(() => utcDateStringFromMs(ms));
      expect(err, String(ms)).toBeInstanceOf(RangeError);
      expect(err.message).toBe('Invalid time value');
    }
  });

  it('rejects a non-number naming ms', () => {
    expectArgError(() => utcDateStringFromMs('0' as any), 'ms');
    expectArgError(() => utcDateStringFromMs(0n as any), 'ms');
    expectArgError(() => utcDateStringFromMs(undefined as any), 'ms');
  });
});

describe('assertValidUtcDay', () => {
  it('accepts real calendar days from 0100-01-01 to 9999-12-31', () => {
    for (const d of ['2024-02-29', '2000-02-29', '0100-01-01', '9999-12-31', '1970-01-01', '1969-12-31']) {
      expect(assertValidUtcDay(d)).toBeUndefined();
    }
  });

  it('rejects the wrong shape with "Invalid UTC day (expected YYYY-MM-DD): <day>"', () => {
    for (const d of [
      '2024-1-01',
      ' 2024-01-01',
      '2024-01-01\n',
      '２０２４-01-01',
      '',
      '20240101',
      '+010000-01-01',
      '2024-01-01T00:00',
      '2024/01/01',
    ]) {
      const err = thrown(() => assertValidUtcDay(d));
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toBe(`Invalid UTC day (expected YYYY-MM-DD): ${d}`);
    }
  });

  it('rejects days that are not on the calendar, and years below 100 (Date.UTC maps them to 19xx)', () => {
    for (const d of [
      '2023-02-29',
      '1900-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
      '2024-01-00',
      '2024-01-32',
      '0099-12-31',
      '0000-01-01',
      '0050-06-15',
    ]) {
      const err = thrown(() => assertValidUtcDay(d));
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toBe(`Invalid UTC calendar day: ${d}`);
    }
  });

  it('rejects a non-string naming day', () => {
    expectArgError(() => assertValidUtcDay(20240101 as any), 'day');
  });
});

describe('utcDayStartMs / utcDayEndExclusiveMs', () => {
  it('are Date.UTC of the day and one day later', () => {
    const cases: Array<[string, number]> = [
      ['1970-01-01', 0],
      ['2024-01-01', 1704067200000],
      ['2024-02-29', Date.UTC(2024, 1, 29)],
      ['0100-01-01', -59011459200000],
      ['9999-12-31', 253402214400000],
      ['1969-12-31', -DAY],
    ];
    for (const [day, start] of cases) {
      expect(utcDayStartMs(day), day).toBe(start);
      expect(utcDayEndExclusiveMs(day), day).toBe(start + DAY);
    }
  });

  it('validate the day like assertValidUtcDay', () => {
    expect(thrown(() => utcDayStartMs('x')).message).toBe('Invalid UTC day (expected YYYY-MM-DD): x');
    expect(thrown(() => utcDayEndExclusiveMs('2023-02-29')).message).toBe('Invalid UTC calendar day: 2023-02-29');
    expectArgError(() => utcDayStartMs(null as any), 'day');
    expectArgError(() => utcDayEndExclusiveMs({} as any), 'day');
  });
});

describe('prevUtcDay / nextUtcDay', () => {
  it('step one calendar day, across months, leap days and years', () => {
    expect(prevUtcDay('2024-03-01')).toBe('2024-02-29');
    expect(prevUtcDay('2023-03-01')).toBe('2023-02-28');
    expect(prevUtcDay('2024-01-01')).toBe('2023-12-31');
    expect(prevUtcDay('1970-01-01')).toBe('1969-12-31');
    expect(nextUtcDay('2024-02-28')).toBe('2024-02-29');
    expect(nextUtcDay('2024-02-29')).toBe('2024-03-01');
    expect(nextUtcDay('2023-12-31')).toBe('2024-01-01');
  });

  it('at the edges give what Date gives: 0099-12-31 before 0100-01-01, +010000-01 after 9999-12-31', () => {
    expect(prevUtcDay('0100-01-01')).toBe('0099-12-31');
    expect(nextUtcDay('9999-12-31')).toBe('+010000-01');
    // 0099-12-31 is itself not a valid day.
    expect(thrown(() => prevUtcDay('0099-12-31')).message).toBe('Invalid UTC calendar day: 0099-12-31');
  });

  it('validate the day and the argument type', () => {
    expect(thrown(() => nextUtcDay('2024-13-01')).message).toBe('Invalid UTC calendar day: 2024-13-01');
    expectArgError(() => prevUtcDay(5 as any), 'day');
    expectArgError(() => nextUtcDay(undefined as any), 'day');
  });
});

describe('lastArchivableUtcDay', () => {
  it('is the last day whose exclusive end is at or before the boundary', () => {
    expect(lastArchivableUtcDay(0)).toBe('1969-12-31');
    expect(lastArchivableUtcDay(DAY - 1)).toBe('1969-12-31');
    expect(lastArchivableUtcDay(DAY)).toBe('1970-01-01');
    expect(lastArchivableUtcDay(DAY + 0.5)).toBe('1970-01-01');
    expect(lastArchivableUtcDay(Date.UTC(2024, 0, 2))).toBe('2024-01-01');
    expect(lastArchivableUtcDay(-1)).toBe('1969-12-30');
    expect(lastArchivableUtcDay(Date.UTC(9999, 11, 31, 12))).toBe('9999-12-30');
  });

  it('fails as the reference does at the edges of the Date range', () => {
    // The boundary's own day has an extended year, which is not a YYYY-MM-DD day.
    expect(thrown(() => lastArchivableUtcDay(Date.UTC(10000, 0, 1))).message).toBe(
      'Invalid UTC day (expected YYYY-MM-DD): +010000-01',
    );
    expect(thrown(() => lastArchivableUtcDay(8.64e15)).message).toBe(
      'Invalid UTC day (expected YYYY-MM-DD): +275760-09',
    );
    const nan = thrown(() => lastArchivableUtcDay(Number.NaN));
    expect(nan).toBeInstanceOf(RangeError);
    expect(nan.message).toBe('Invalid time value');
    expect(thrown(() => lastArchivableUtcDay(8.64e15 + DAY))).toBeInstanceOf(RangeError);
  });

  it('rejects a non-number naming boundaryMs', () => {
    expectArgError(() => lastArchivableUtcDay('5' as any), 'boundaryMs');
  });
});

describe('compareIsoDays', () => {
  it('compares as JavaScript strings compare (UTF-16 code units), returning -1, 0 or 1', () => {
    const cases: Array<[string, string]> = [
      ['2024-01-01', '2024-01-02'],
      ['2024-01-02', '2024-01-01'],
      ['2024-01-01', '2024-01-01'],
      ['+275760-09', '9999-12-31'],
      ['', 'a'],
      ['é', 'z'],
      ['\ud83d\ude00', '\uffff'],
      ['\uffff', '\ud83d\ude00'],
      ['a', 'ab'],
    ];
    for (const [a, b] of cases) {
      const js = a < b ? -1 : a > b ? 1 : 0;
      expect(compareIsoDays(a, b), `${a} vs ${b}`).toBe(js);
    }
    expect(compareIsoDays('\ud83d\ude00', '\uffff')).toBe(-1);
  });

  it('rejects non-strings naming a or b', () => {
    expectArgError(() => compareIsoDays(1 as any, 'a'), 'a');
    expectArgError(() => compareIsoDays('a', null as any), 'b');
  });
});
