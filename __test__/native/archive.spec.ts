import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEntry, LogStore } from '../../index.mjs';
import { createLogStore, DEFAULT_LOG_RETENTION_MS, LOG_ARCHIVE_META_KEY } from '../../index.mjs';
import { DAY, entry, expectArgError, openStore, tempDir, thrown } from './helpers';

const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00Z

function line(r: LogEntry): string {
  return JSON.stringify({
    id: r.id,
    source: r.source,
    type: r.type,
    refId: r.refId,
    payload: r.payload,
    timestamp: r.timestamp,
  });
}

function archiveDir(dir: string) {
  return join(dir, 'archive', 'logs');
}

function files(dir: string): Record<string, string> {
  const d = archiveDir(dir);
  if (!existsSync(d)) return {};
  const out: Record<string, string> = {};
  for (const f of readdirSync(d).sort()) out[f] = readFileSync(join(d, f), 'utf8');
  return out;
}

function store3(dir?: string) {
  const o = openStore(dir);
  return { ...o, s: o.store as LogStore };
}

describe('archiveLogs: layout and file format', () => {
  it('writes one archive/logs/YYYY-MM-DD.jsonl beside the database per day, empty days included', () => {
    const dir = tempDir();
    const dbDir = join(dir, 'data');
    const s = createLogStore(join(dbDir, 'logs.db'));
    try {
      const a = s.append(entry({ source: 'a', payload: '{"x":"é\\u2028"}', timestamp: T0 + 5 }));
      const b = s.append(entry({ source: 'b', refId: 'r', timestamp: T0 + 2 * DAY + 1.5 }));
      const c = s.append(entry({ source: 'c', refId: 'r', payload: 'p', timestamp: T0 + 1000 }));
      const d = s.append(entry({ source: 'd', timestamp: T0 + 10 * DAY }));
      const result = s.archiveLogs({ now: T0 + 4 * DAY, retentionMs: DAY });
      const fp = (day: string) => join(dbDir, 'archive', 'logs', `${day}.jsonl`);
      expect(result).toEqual({
        days: [
          { day: '2024-01-01', rowCount: 2, filePath: fp('2024-01-01') },
          { day: '2024-01-02', rowCount: 0, filePath: fp('2024-01-02') },
          { day: '2024-01-03', rowCount: 1, filePath: fp('2024-01-03') },
        ],
        vacuumed: false,
      });
      expect(Object.keys(result)).toEqual(['days', 'vacuumed']);
      expect(Object.keys(result.days[0])).toEqual(['day', 'rowCount', 'filePath']);
      expect(files(dbDir)).toEqual({
        '2024-01-01.jsonl': `${line(a)}\n${line(c)}\n`,
        '2024-01-02.jsonl': '',
        '2024-01-03.jsonl': `${line(b)}\n`,
      });
      // Exact bytes of one line, fractional timestamp included.
      expect(readFileSync(fp('2024-01-03'), 'utf8')).toBe(
        `{"id":2,"source":"b","type":"tick","refId":"r","payload":null,"timestamp":${T0 + 2 * DAY + 1.5}}\n`,
      );
      expect(readFileSync(fp('2024-01-01'), 'utf8').split('\n')[0]).toBe(
        `{"id":1,"source":"a","type":"tick","refId":null,"payload":"{\\"x\\":\\"é\\\\u2028\\"}","timestamp":${T0 + 5}}`,
      );
      expect(s.query()).toEqual([{ ...d }]);
      expect(s.getMeta(LOG_ARCHIVE_META_KEY)).toBe('2024-01-03');
      expect(existsSync(join(dir, 'archive'))).toBe(false);
    } finally {
      s.close();
    }
  });

  it('lines are JSON.stringify of the rows as query() reads them (escapes, U+FFFD, text up to a NUL)', () => {
    const { s, dir } = store3();
    const nasty = '\u0001\u001f\u007f\u2028\u2029"\\/é😀\t\n';
    s.append(entry({ source: nasty, type: '\ud83d', refId: 'x\u0000y', payload: nasty, timestamp: T0 }));
    s.append(entry({ source: 'b', payload: '{"k":[1,2]}', timestamp: T0 + 1 }));
    const rows = s.query();
    expect(rows[0]).toMatchObject({ type: '\ufffd', refId: 'x' });
    s.archiveLogs({ now: T0 + 2 * DAY, retentionMs: DAY });
    expect(files(dir)['2024-01-01.jsonl']).toBe(rows.map((r) => `${line(r)}\n`).join(''));
    expect(files(dir)['2024-01-01.jsonl']).toContain('"source":"\\u0001\\u001f\u007f\u2028\u2029\\"\\\\/é😀\\t\\n"');
  });

  it('a relative, unnormalized dbPath gives filePath values as path.join builds them', () => {
    const dir = tempDir();
    const rel = `${relative(process.cwd(), dir)}/x/../logs.db`;
    const s = createLogStore(rel);
    try {
      s.append(entry({ timestamp: T0 }));
      const out = s.archiveLogs({ now: T0 + DAY, retentionMs: 0 });
      const expected = join(dirname(rel), 'archive', 'logs', '2024-01-01.jsonl');
      expect(out.days.map((d) => d.filePath)).toEqual([expected]);
      expect(expected.startsWith('/')).toBe(false);
      expect(readFileSync(join(dir, 'archive', 'logs', '2024-01-01.jsonl'), 'utf8')).toContain('"id":1');
    } finally {
      s.close();
    }
  });

  it('rows before 1970 archive to their own (negative-time) days', () => {
    const { s, dir } = store3();
    const r = s.append(entry({ timestamp: -1 }));
    const out = s.archiveLogs({ now: 0, retentionMs: 0 });
    expect(out.days.map((d) => [d.day, d.rowCount])).toEqual([['1969-12-31', 1]]);
    expect(files(dir)).toEqual({ '1969-12-31.jsonl': `${line(r)}\n` });
  });
});

describe('archiveLogs: which days', () => {
  it('does nothing on an empty database (no directory created)', () => {
    const { s, dir } = store3();
    expect(s.archiveLogs()).toEqual({ days: [], vacuumed: false });
    expect(s.archiveLogs({ vacuum: true })).toEqual({ days: [], vacuumed: true });
    expect(existsSync(join(dir, 'archive'))).toBe(false);
  });

  it('default retention is 30 days before Date.now()', () => {
    const { s } = store3();
    const now = Date.now();
    s.append(entry({ timestamp: now - 40 * DAY }));
    s.append(entry({ timestamp: now - 29 * DAY }));
    s.append(entry({ timestamp: now - 1000 }));
    const out = s.archiveLogs();
    expect(DEFAULT_LOG_RETENTION_MS).toBe(30 * DAY);
    // From the day of the oldest row through the last day that ends by now - 30 days.
    const boundary = now - DEFAULT_LOG_RETENTION_MS;
    const last = new Date(Math.floor(boundary / DAY) * DAY - DAY).toISOString().slice(0, 10);
    expect(out.days[0].day).toBe(new Date(now - 40 * DAY).toISOString().slice(0, 10));
    expect(out.days.at(-1)!.day).toBe(last);
    expect(s.query().map((r) => r.timestamp)).toEqual([now - 29 * DAY, now - 1000]);
  });

  it('a day is archivable only once it ends at or before now - retentionMs', () => {
    const { s } = store3();
    s.append(entry({ timestamp: T0 + 10 }));
    // The day of T0 ends at T0 + DAY.
    expect(s.archiveLogs({ now: T0 + DAY + 5 * DAY - 1, retentionMs: 5 * DAY }).days).toEqual([]);
    expect(s.query()).toHaveLength(1);
    const out = s.archiveLogs({ now: T0 + DAY + 5 * DAY, retentionMs: 5 * DAY });
    expect(out.days.map((d) => d.day)).toEqual(['2024-01-01']);
    expect(s.query()).toEqual([]);
  });

  it('the watermark advances and later calls start the day after it', () => {
    const { s, dir } = store3();
    s.append(entry({ timestamp: T0 + 5 }));
    expect(s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 }).days.map((d) => d.day)).toEqual([
      '2024-01-01',
      '2024-01-02',
      '2024-01-03',
    ]);
    expect(s.getMeta('archived_up_to')).toBe('2024-01-03');
    expect(s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 })).toEqual({ days: [], vacuumed: false });
    s.append(entry({ timestamp: T0 + 10 * DAY }));
    expect(s.archiveLogs({ now: T0 + 6 * DAY, retentionMs: 0 }).days.map((d) => d.day)).toEqual([
      '2024-01-04',
      '2024-01-05',
      '2024-01-06',
    ]);
    expect(Object.keys(files(dir))).toHaveLength(6);
    expect(s.getMeta('archived_up_to')).toBe('2024-01-06');
  });

  it('starts at the oldest row when that is before the day after the watermark', () => {
    const { s } = store3();
    s.setMeta(LOG_ARCHIVE_META_KEY, '2023-12-30');
    s.append(entry({ timestamp: T0 + 5 * DAY }));
    expect(s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 }).days.map((d) => d.day)).toEqual([
      '2023-12-31',
      '2024-01-01',
      '2024-01-02',
      '2024-01-03',
    ]);
  });

  it('maxDays caps the days of one call: 2, 0, negative, fractional', () => {
    const { s } = store3();
    s.append(entry({ timestamp: T0 + 5 }));
    // A later row keeps the database non-empty, so each call goes on from the watermark.
    s.append(entry({ timestamp: T0 + 9 * DAY + 5 }));
    const now = T0 + 10 * DAY;
    expect(s.archiveLogs({ now, retentionMs: 0, maxDays: 2 }).days.map((d) => d.day)).toEqual([
      '2024-01-01',
      '2024-01-02',
    ]);
    expect(s.getMeta(LOG_ARCHIVE_META_KEY)).toBe('2024-01-02');
    expect(s.archiveLogs({ now, retentionMs: 0, maxDays: 0 })).toEqual({ days: [], vacuumed: false });
    expect(s.archiveLogs({ now, retentionMs: 0, maxDays: -1 })).toEqual({ days: [], vacuumed: false });
    expect(s.archiveLogs({ now, retentionMs: 0, maxDays: 1.5 }).days.map((d) => d.day)).toEqual([
      '2024-01-03',
      '2024-01-04',
    ]);
    expect(s.archiveLogs({ now, retentionMs: 0 }).days.map((d) => d.day)).toEqual([
      '2024-01-05',
      '2024-01-06',
      '2024-01-07',
      '2024-01-08',
      '2024-01-09',
      '2024-01-10',
    ]);
  });

  it('vacuum runs when asked, with or without days, and reports it', () => {
    const { s } = store3();
    for (let i = 0; i < 50; i++) s.append(entry({ payload: 'x'.repeat(1000), timestamp: T0 + i }));
    expect(s.archiveLogs({ now: T0 + 2 * DAY, retentionMs: 0, vacuum: true })).toMatchObject({ vacuumed: true });
    expect(s.archiveLogs({ now: T0 + 2 * DAY, retentionMs: 0, vacuum: true })).toEqual({ days: [], vacuumed: true });
    expect(s.archiveLogs({ now: T0 + 2 * DAY, retentionMs: 0, vacuum: false })).toEqual({ days: [], vacuumed: false });
  });

  it('an invalid stored watermark throws before anything moves', () => {
    const { s, dir } = store3();
    s.setMeta(LOG_ARCHIVE_META_KEY, 'garbage');
    s.append(entry({ timestamp: T0 }));
    const err = thrown(() => s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 }));
    expect(err.message).toBe('Invalid UTC day (expected YYYY-MM-DD): garbage');
    expect(s.query()).toHaveLength(1);
    expect(files(dir)).toEqual({});
  });

  it('a boundary outside the Date range throws the RangeError JavaScript gives', () => {
    const { s } = store3();
    s.append(entry({ timestamp: T0 }));
    const err = thrown(() => s.archiveLogs({ now: Number.NaN }));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('Invalid time value');
    expect(s.query()).toHaveLength(1);
  });

  it('wrong option types throw naming the option', () => {
    const { s } = store3();
    s.append(entry({ timestamp: T0 }));
    expectArgError(() => s.archiveLogs('x' as any), 'options');
    expectArgError(() => s.archiveLogs(null as any), 'options');
    expectArgError(() => s.archiveLogs({ now: '1' } as any), 'options.now');
    expectArgError(() => s.archiveLogs({ vacuum: 1 } as any), 'options.vacuum');
    expectArgError(() => s.archiveLogs({ maxDays: '1' } as any), 'options.maxDays');
    expectArgError(() => s.archiveLogs({ retentionMs: null } as any), 'options.retentionMs');
    expect(s.query()).toHaveLength(1);
  });
});

describe('archiveLogs: a day archived again keeps what its file had (deliberate fix over the reference)', () => {
  it('late rows for an archived day: the file becomes the id-ordered union; the other days keep theirs', () => {
    const { s, dir } = store3();
    const a = s.append(entry({ source: 'a', timestamp: T0 + 5 }));
    const b = s.append(entry({ source: 'b', timestamp: T0 + DAY + 5 }));
    s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 });
    const before = files(dir);
    expect(before).toEqual({
      '2024-01-01.jsonl': `${line(a)}\n`,
      '2024-01-02.jsonl': `${line(b)}\n`,
      '2024-01-03.jsonl': '',
    });

    const late = s.append(entry({ source: 'late', timestamp: T0 + 7 }));
    const out = s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 });
    // rowCount counts the rows this call moved.
    expect(out.days.map((d) => [d.day, d.rowCount])).toEqual([
      ['2024-01-01', 1],
      ['2024-01-02', 0],
      ['2024-01-03', 0],
    ]);
    expect(files(dir)).toEqual({
      '2024-01-01.jsonl': `${line(a)}\n${line(late)}\n`,
      '2024-01-02.jsonl': `${line(b)}\n`,
      '2024-01-03.jsonl': '',
    });
    expect(s.query()).toEqual([]);
    expect(s.getMeta(LOG_ARCHIVE_META_KEY)).toBe('2024-01-03');

    // Idempotent: running again changes nothing.
    expect(s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 })).toEqual({ days: [], vacuumed: false });
    expect(files(dir)['2024-01-01.jsonl']).toBe(`${line(a)}\n${line(late)}\n`);
  });

  it('the union is ordered by id and has no duplicate ids (re-run after a crash between write and delete)', () => {
    const { s, dir } = store3();
    const r1 = s.append(entry({ source: 'one', timestamp: T0 + 1 }));
    const r2 = s.append(entry({ source: 'two', timestamp: T0 + 2 }));
    // As if a previous run wrote the file (with r2, and an older row 0 and a row 9 from elsewhere)
    // and crashed before deleting: the rows are still in SQLite.
    mkdirSync(archiveDir(dir), { recursive: true });
    const nine = '{"id":9,"source":"x","type":"t","refId":null,"payload":null,"timestamp":1704067200009}';
    const zero = '{"id":0,"source":"z","type":"t","refId":null,"payload":null,"timestamp":1704067200000}';
    writeFileSync(join(archiveDir(dir), '2024-01-01.jsonl'), `${nine}\n${line(r2)}\n${zero}\n`);
    const out = s.archiveLogs({ now: T0 + DAY, retentionMs: 0 });
    expect(out.days).toEqual([{ day: '2024-01-01', rowCount: 2, filePath: join(archiveDir(dir), '2024-01-01.jsonl') }]);
    expect(files(dir)['2024-01-01.jsonl']).toBe(`${zero}\n${line(r1)}\n${line(r2)}\n${nine}\n`);
    expect(s.query()).toEqual([]);
  });

  it('a day with no rows left leaves an existing file as it is (the reference would empty it)', () => {
    const { s, dir } = store3();
    mkdirSync(archiveDir(dir), { recursive: true });
    const kept = '{"id":1,"source":"s","type":"t","refId":null,"payload":null,"timestamp":1704067200000}\n';
    writeFileSync(join(archiveDir(dir), '2024-01-01.jsonl'), kept);
    s.setMeta(LOG_ARCHIVE_META_KEY, '2023-12-31');
    const r = s.append(entry({ timestamp: T0 + DAY + 1 }));
    const out = s.archiveLogs({ now: T0 + 2 * DAY, retentionMs: 0 });
    expect(out.days.map((d) => [d.day, d.rowCount])).toEqual([
      ['2024-01-01', 0],
      ['2024-01-02', 1],
    ]);
    expect(files(dir)).toEqual({ '2024-01-01.jsonl': kept, '2024-01-02.jsonl': `${line(r)}\n` });
  });

  it('an unreadable line in an existing file stops the archive before that day is deleted', () => {
    const { s, dir } = store3();
    mkdirSync(archiveDir(dir), { recursive: true });
    writeFileSync(join(archiveDir(dir), '2024-01-01.jsonl'), 'this is not json\n{"id":1}\n');
    s.append(entry({ timestamp: T0 + 1 }));
    const err = thrown(() => s.archiveLogs({ now: T0 + DAY, retentionMs: 0 }));
    expect(err).toBeInstanceOf(Error);
    expect(typeof err.code).toBe('string');
    expect(s.query()).toHaveLength(1);
    expect(s.getMeta(LOG_ARCHIVE_META_KEY)).toBeNull();
    expect(files(dir)['2024-01-01.jsonl']).toBe('this is not json\n{"id":1}\n');
  });
});
