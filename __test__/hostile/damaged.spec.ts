// Damaged files and a hostile environment: garbage and truncated logs.db files (WAL included),
// directories where files belong, a read-only data directory and a full disk. Every failure is an
// error with a `code`, the process lives on, rows whose day file could not be written stay in
// the database, and no blob is visible that does not hash to its name.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { capture, codeAdded, type Outcome, showOutcome } from '../parity/support/canon';
import { ours, reference } from '../parity/support/harness';
import { probeNamespaces, READ_ONLY_BIND, runInNamespace, type Step } from './support/namespace';

const DAY = 86_400_000;
const JAN1 = 1_767_225_600_000;
const HELLO = createHash('sha256').update('hello').digest('hex');

const counts = { cases: 0, checks: 0 };
afterAll(() => {
  process.stdout.write(`[damaged] cases=${counts.cases} checks=${counts.checks}\n`);
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nerve-damaged-'));
  dirs.push(d);
  return d;
}

type Mod = typeof reference;
/** Rows of three runs; every fourth is a thread message, so the thread reads have work. */
const entry = (i: number) => ({
  source: 'workflow',
  type: i % 4 === 0 ? 'thread_workflow_message' : 't',
  refId: `run-${i % 3}`,
  payload: JSON.stringify({ role: 'user', content: `m${i}`, pad: 'x'.repeat(120) }),
  timestamp: JAN1 + (i % 5) * DAY + i,
});

/** A failure that says what it is: an Error with a `code` (and `errcode` for SQLite's). */
function expectCoded(what: string, error: unknown, code?: RegExp): void {
  counts.checks += 1;
  const e = error as { code?: unknown; errcode?: unknown; message?: unknown };
  expect(error, what).toBeInstanceOf(Error);
  expect(typeof e.code, `${what}: ${String(e.message)}`).toBe('string');
  if (code) expect(e.code, `${what}: ${String(e.message)}`).toMatch(code);
  if (e.code === 'ERR_SQLITE_ERROR') expect(typeof e.errcode, what).toBe('number');
}

function expectStepCoded(steps: Record<string, Step>, name: string, code: RegExp): void {
  counts.checks += 1;
  const s = steps[name];
  expect(s, `step ${name} ran`).toBeDefined();
  expect(s.ok, `${name} should fail: ${JSON.stringify(s)}`).toBe(false);
  expect(typeof s.error?.code, `${name}: ${JSON.stringify(s.error)}`).toBe('string');
  expect(s.error?.code, `${name}: ${JSON.stringify(s.error)}`).toMatch(code);
}

function expectStep(steps: Record<string, Step>, name: string, value: unknown): void {
  counts.checks += 1;
  expect(steps[name], `step ${name}: ${JSON.stringify(steps[name])}`).toEqual({ ok: true, value });
}

/** Path → sha256 of every file below `root` (directories as `dir`). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) {
        out[r] = 'dir';
        walk(p, r);
      } else out[r] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root, '');
  return out;
}

/** A data directory with rows on five old days and the blob "hello", written by ours and closed. */
function seededDir(rows = 10): string {
  const dir = tempDir();
  const s = ours.createLogStore(join(dir, 'logs.db'));
  s.appendMany(Array.from({ length: rows }, (_, i) => entry(i)));
  s.close();
  ours.createBlobStore(join(dir, 'blobs')).write('hello');
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Read-only directories and a full disk, in a mount namespace of their own

const ns = probeNamespaces();
if (!ns.ok)
  process.stdout.write(
    `[damaged] mount namespaces unavailable: ${ns.reason}${ns.provablyMissing ? ' (user namespaces are disabled and this is not root: skipped)' : ''}\n`,
  );
/** Runs where namespaces work; fails (rather than passing) where they should and do not. */
const nsIt = ns.ok || !ns.provablyMissing ? it : it.skip;
function requireNamespaces(): void {
  if (!ns.ok) throw new Error(`cannot make a directory read-only or a disk full here: ${ns.reason}`);
}

describe('a read-only or full file system', () => {
  nsIt('a read-only data directory: every write fails with a code, reads work, nothing changes on disk', () => {
    requireNamespaces();
    counts.cases += 1;
    const dir = seededDir();
    const before = snapshot(dir);
    const steps = runInNamespace(READ_ONLY_BIND('$0'), 'readonly', dir);
    // Opening needs the WAL index beside the file: SQLite cannot open it (the reference neither).
    const opened = steps.open.ok;
    if (!opened) expectStepCoded(steps, 'open', /^ERR_SQLITE_ERROR$/);
    else
      for (const w of ['append', 'appendMany', 'appendAsync', 'setMeta', 'archiveLogs', 'archiveLogsAsync'])
        expectStepCoded(steps, w, /^(ERR_SQLITE_ERROR|EROFS)$/);
    expect(steps.referenceOpen.ok, 'the reference opens it exactly when ours does').toBe(opened);
    expectStep(steps, 'blobRead', 'hello');
    for (const w of ['blobWrite', 'blobWriteAsync', 'blobWriteFile', 'blobReadToFile'])
      expectStepCoded(steps, w, /^EROFS$/);
    expectStep(steps, 'blobsIntact', { ok: true, count: 1, stray: 0 });
    counts.checks += 1;
    expect(snapshot(dir)).toEqual(before);
  });

  nsIt('readOnly: true opens a copy on a read-only mount; reads work, writes fail by name, nothing changes', () => {
    requireNamespaces();
    counts.cases += 1;
    const dir = seededDir();
    // Two of the four days go to the archive, so the reads cover both places.
    const s = ours.createLogStore(join(dir, 'logs.db'));
    s.archiveLogs({ now: JAN1 + 2 * DAY + 1, retentionMs: 0 });
    s.close();
    // The truth, read beside ours: the reference's query, and the day files' lines.
    const ref = reference.createLogStore(join(dir, 'logs.db'));
    const hot = ref.query().length;
    ref.close();
    const archiveDir = join(dir, 'archive', 'logs');
    const days = readdirSync(archiveDir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
    const lines = days.reduce(
      (n, f) => n + readFileSync(join(archiveDir, f), 'utf8').split('\n').filter(Boolean).length,
      0,
    );
    expect(hot > 0 && lines > 0, 'rows in both places').toBe(true);
    const before = snapshot(dir);
    const steps = runInNamespace(READ_ONLY_BIND('$0'), 'readonlyOpen', dir);
    expectStep(steps, 'open', true);
    expectStep(steps, 'count', hot);
    expectStep(
      steps,
      'days',
      days.map((f) => f.slice(0, 10)),
    );
    expectStep(steps, 'archived', lines);
    expectStep(steps, 'iterated', hot + lines);
    for (const w of [
      'append',
      'appendMany',
      'appendAsync',
      'setMeta',
      'upsertWorkflowRun',
      'archiveLogs',
      'archiveLogsAsync',
    ])
      expectStepCoded(steps, w, /^ERR_STORE_READ_ONLY$/);
    expectStep(steps, 'countAfter', hot);
    expect(snapshot(dir)).toEqual(before);
  });

  nsIt('read-only archive directory and blob root: the archive fails with EROFS and keeps every row', () => {
    requireNamespaces();
    counts.cases += 1;
    const dir = seededDir();
    mkdirSync(join(dir, 'archive', 'logs'), { recursive: true });
    const steps = runInNamespace(
      `${READ_ONLY_BIND('$0/archive/logs')} && ${READ_ONLY_BIND('$0/blobs')}`,
      'readonlyParts',
      dir,
    );
    expectStep(steps, 'count', 10);
    expectStep(steps, 'append', 11);
    expectStepCoded(steps, 'archiveLogs', /^EROFS$/);
    expectStepCoded(steps, 'archiveLogsAsync', /^EROFS$/);
    expectStep(steps, 'countAfterArchive', 11);
    expectStep(steps, 'watermark', null);
    expectStepCoded(steps, 'blobWrite', /^EROFS$/);
    expectStepCoded(steps, 'blobWriteAsync', /^EROFS$/);
    expectStep(steps, 'blobRead', 'hello');
    // Outside the namespace: the rows are in the file, no day file, only the old blob.
    const s = ours.createLogStore(join(dir, 'logs.db'));
    counts.checks += 3;
    expect(s.query()).toHaveLength(11);
    s.close();
    expect(readdirSync(join(dir, 'archive', 'logs'))).toEqual([]);
    expect(snapshot(join(dir, 'blobs'))).toEqual({
      [HELLO.slice(0, 2)]: 'dir',
      [`${HELLO.slice(0, 2)}/${HELLO.slice(2)}`]: HELLO,
    });
  });

  nsIt(
    'a full disk (3 MiB tmpfs): SQLITE_FULL and ENOSPC with codes, no day file counted as done, no partial blob, recovery once there is room',
    () => {
      requireNamespaces();
      counts.cases += 1;
      const dir = tempDir();
      const steps = runInNamespace('mount -t tmpfs -o size=3m tmpfs "$0"', 'full', dir, {
        FILLER_BYTES: String(1536 * 1024),
      });
      const stored = steps.fill.value as number;
      counts.checks += 1;
      expect(stored, 'rows fit before the disk filled').toBeGreaterThan(10);
      expect(steps.fill.error?.code).toBe('ERR_SQLITE_ERROR');
      expect(steps.fill.error?.errcode, 'SQLITE_FULL').toBe(13);
      expectStep(steps, 'countAfterFull', stored);
      expectStepCoded(steps, 'appendMany', /^ERR_SQLITE_ERROR$/);
      expectStepCoded(steps, 'appendAsync', /^ERR_SQLITE_ERROR$/);
      expectStep(steps, 'countAfterBatches', stored);
      expectStepCoded(steps, 'archiveFull', /^(ENOSPC|ERR_SQLITE_ERROR)$/);
      expectStepCoded(steps, 'archiveFullAsync', /^(ENOSPC|ERR_SQLITE_ERROR)$/);
      expectStep(steps, 'countAfterArchiveFull', stored);
      expectStep(steps, 'watermarkAfterArchiveFull', null);
      expectStep(steps, 'archiveFilesAfterFull', []);
      expectStepCoded(steps, 'blobWrite', /^ENOSPC$/);
      expectStepCoded(steps, 'blobWriteAsync', /^ENOSPC$/);
      expectStep(steps, 'blobsIntactFull', { ok: true, count: 0, stray: 0 });
      expectStep(steps, 'blobExistsFull', false);
      expectStep(steps, 'countReopened', stored);
      counts.checks += 4;
      const days = steps.archiveWithRoom.value as [string, number][];
      expect(steps.archiveWithRoom.ok, JSON.stringify(steps.archiveWithRoom)).toBe(true);
      expect(
        days.reduce((n, [, c]) => n + c, 0),
        'every row archived once there is room',
      ).toBe(stored);
      expect(steps.archivedLines.value).toEqual(days.map(([, c]) => c));
      expect(
        (steps.filesAtEnd.value as string[]).filter((f) => /(^|\/)\.tmp|\.tmp\./.test(f)),
        'no temporary file left',
      ).toEqual([]);
      expectStep(steps, 'countAfterArchive', 0);
      expectStep(steps, 'appendWithRoom', true);
    },
  );

  nsIt('a disk with room for one day file: that day is archived, the next fails with ENOSPC and keeps its rows', () => {
    requireNamespaces();
    counts.cases += 1;
    const dir = tempDir();
    const steps = runInNamespace('mount -t tmpfs -o size=3m tmpfs "$0"', 'fullMidArchive', dir);
    expectStepCoded(steps, 'archive', /^ENOSPC$/);
    expectStep(steps, 'watermark', '2026-01-01');
    expectStep(steps, 'daysLeft', ['2026-01-02', '2026-01-03']);
    expectStep(steps, 'count', 24);
    expectStep(steps, 'files', ['logs/', 'logs/2026-01-01.jsonl']);
    expectStep(steps, 'firstDayLines', 12);
  });
});

// ---------------------------------------------------------------------------------------------
// Damaged databases, compared with the reference on identical copies

/** What a caller sees from a store on a damaged file: each call's outcome, in order. */
function session(mod: Mod, dbPath: string): Outcome[] {
  const out: Outcome[] = [];
  const opened = capture(() => mod.createLogStore(dbPath));
  out.push(opened.ok ? { ok: true, value: 'opened' } : opened);
  if (!opened.ok) return out;
  const s = opened.value as ReturnType<Mod['createLogStore']>;
  out.push(capture(() => s.query().length));
  out.push(capture(() => s.query({ refId: 'run-1', limit: 3 }).map((r) => r.id)));
  out.push(capture(() => s.getMeta('archived_up_to')));
  out.push(capture(() => s.append(entry(1000)).id));
  out.push(capture(() => s.getThreadRoundCount('run-1')));
  out.push(capture(() => s.getThreadMessages('run-1')));
  out.push(capture(() => s.getThreadEvents('run-1')));
  out.push(capture(() => s.getThreadRounds('run-1', { before: 0, limit: 5 })));
  out.push(capture(() => s.getThreadMessages('run-1')));
  out.push(capture(() => s.archiveLogs({ now: JAN1 + 9 * DAY, retentionMs: 0 }).days.map((d) => [d.day, d.rowCount])));
  out.push(capture(() => s.query().length));
  out.push(capture(() => s.close()));
  return out;
}

/**
 * The same damaged bytes (logs.db, and logs.db-wal when given) in two directories; the reference's
 * session and ours must look the same, and every failure of ours carries a code.
 */
function compareOnCopies(what: string, db: Buffer | null, wal: Buffer | null, place?: (dir: string) => void): void {
  counts.cases += 1;
  const root = tempDir();
  const sides = (['ref', 'ours'] as const).map((name) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    if (db !== null) writeFileSync(join(dir, 'logs.db'), db);
    if (wal !== null) writeFileSync(join(dir, 'logs.db-wal'), wal);
    place?.(dir);
    return dir;
  });
  const r = session(reference, join(sides[0], 'logs.db'));
  const o = session(ours, join(sides[1], 'logs.db'));
  for (let i = 0; i < Math.max(r.length, o.length); i++) {
    counts.checks += 1;
    const a = r[i] ? showOutcome(r[i]).split(sides[0]).join('<DIR>') : '<not called>';
    const b = o[i] ? showOutcome(o[i]).split(sides[1]).join('<DIR>') : '<not called>';
    if (o[i] && !o[i].ok) expectCoded(`${what}, call #${i}`, (o[i] as { error: unknown }).error);
    if (a !== b && !(r[i] && o[i] && codeAdded(r[i], o[i], { ref: sides[0], ours: sides[1] }))) {
      expect(b, `${what}, call #${i}`).toBe(a);
    }
  }
}

/** Bytes of a real database: 120 rows checkpointed into logs.db, 30 more only in logs.db-wal. */
function realDatabase(): { db: Buffer; wal: Buffer } {
  const dir = tempDir();
  const path = join(dir, 'logs.db');
  const s = ours.createLogStore(path);
  s.appendMany(Array.from({ length: 120 }, (_, i) => entry(i)));
  s.close();
  const again = ours.createLogStore(path);
  for (let i = 120; i < 150; i++) again.append(entry(i));
  const copy = join(dir, 'copy');
  mkdirSync(copy);
  copyFileSync(path, join(copy, 'logs.db'));
  copyFileSync(`${path}-wal`, join(copy, 'logs.db-wal'));
  again.close();
  return { db: readFileSync(join(copy, 'logs.db')), wal: readFileSync(join(copy, 'logs.db-wal')) };
}

function pseudoRandom(n: number, seed: string): Buffer {
  const out: Buffer[] = [];
  let h = Buffer.from(seed);
  while (out.length * 32 < n) {
    h = createHash('sha256').update(h).digest();
    out.push(h);
  }
  return Buffer.concat(out).subarray(0, n);
}

describe('damaged logs.db files', () => {
  it("garbage where logs.db belongs: the reference's outcome, with a code", () => {
    const real = realDatabase().db;
    const garbage: [string, Buffer][] = [
      ['random bytes', pseudoRandom(8192, 'garbage')],
      ['text', Buffer.from('this is not a database\n')],
      ['a SQLite header, then random bytes', Buffer.concat([real.subarray(0, 100), pseudoRandom(8092, 'tail')])],
      ['the header alone, page size zeroed', Buffer.concat([real.subarray(0, 16), Buffer.alloc(84)])],
      [
        'a valid first page, the rest random',
        Buffer.concat([real.subarray(0, 4096), pseudoRandom(real.length - 4096, 'pages')]),
      ],
      ['a real file with every 512th byte flipped', Buffer.from(real.map((b, i) => (i % 512 === 300 ? b ^ 0xff : b)))],
    ];
    for (const [what, bytes] of garbage) compareOnCopies(what, bytes, null);
  });

  it('logs.db cut short at every kind of offset, inside the header and inside pages', () => {
    const { db } = realDatabase();
    for (const cut of [
      0,
      1,
      15,
      16,
      50,
      99,
      100,
      101,
      512,
      4095,
      4096,
      4097,
      8192,
      10_000,
      Math.floor(db.length / 2),
      db.length - 4096,
      db.length - 1,
    ]) {
      compareOnCopies(`logs.db cut at ${cut} of ${db.length}`, db.subarray(0, cut), null);
    }
  });

  it('logs.db-wal cut short (header, frame headers, frame bodies) or garbage', () => {
    const { db, wal } = realDatabase();
    expect(wal.length, 'the WAL holds frames').toBeGreaterThan(4096 * 3);
    const frame = 24 + 4096;
    for (const cut of [
      0,
      8,
      31,
      32,
      33,
      32 + 24,
      32 + 100,
      32 + frame,
      32 + frame + 10,
      32 + 5 * frame - 1,
      Math.floor(wal.length / 2),
      wal.length - 1,
    ]) {
      compareOnCopies(`logs.db-wal cut at ${cut} of ${wal.length}`, db, wal.subarray(0, cut));
    }
    compareOnCopies('logs.db-wal of random bytes', db, pseudoRandom(wal.length, 'wal'));
    compareOnCopies(
      'logs.db-wal with a damaged frame in the middle',
      db,
      Buffer.from(wal.map((b, i) => (i === 32 + 3 * frame + 200 ? b ^ 0xff : b))),
    );
  });

  it('a directory where logs.db or its WAL belongs', () => {
    compareOnCopies('logs.db is a directory', null, null, (d) => mkdirSync(join(d, 'logs.db')));
    const { db } = realDatabase();
    compareOnCopies('logs.db-wal is a directory', db, null, (d) => mkdirSync(join(d, 'logs.db-wal')));
    compareOnCopies('logs.db-shm is a directory', db, null, (d) => mkdirSync(join(d, 'logs.db-shm')));
  });
});

// ---------------------------------------------------------------------------------------------
// Directories where the archive and the blob store expect files, and the reverse

describe('directories and files in the wrong places', () => {
  function archiveCase(what: string, place: (archiveDir: string) => void, code: RegExp): void {
    counts.cases += 1;
    const dir = seededDir();
    const archiveDir = join(dir, 'archive', 'logs');
    place(archiveDir);
    const s = ours.createLogStore(join(dir, 'logs.db'));
    try {
      const before = s.query().length;
      // Days 1..5 hold rows; the placement breaks one of them.
      const err = capture(() => s.archiveLogs({ now: JAN1 + 9 * DAY, retentionMs: 0 }));
      expect(err.ok, what).toBe(false);
      expectCoded(what, (err as { error: unknown }).error, code);
      const left = s.query();
      const watermark = s.getMeta('archived_up_to');
      counts.checks += 2;
      // Days before the broken one may be archived (each day commits on its own); the rows of
      // every day from the broken one on are still in the database, and no file claims them.
      const files =
        existsSync(archiveDir) && statSync(archiveDir).isDirectory()
          ? readdirSync(archiveDir).filter((f) => f.endsWith('.jsonl'))
          : [];
      const archivedDays = watermark === null ? [] : files.filter((f) => f.slice(0, 10) <= watermark);
      const linesArchived = archivedDays.reduce(
        (n, f) => n + readFileSync(join(archiveDir, f), 'utf8').split('\n').filter(Boolean).length,
        0,
      );
      expect(
        left.length + linesArchived,
        `${what}: every row in the database or in a day file at or before the watermark`,
      ).toBe(before);
      for (const row of left)
        expect(
          watermark === null || new Date(row.timestamp).toISOString().slice(0, 10) > watermark,
          `${what}: row ${row.id} left behind on an archived day`,
        ).toBe(true);
    } finally {
      s.close();
    }
  }

  it('the archive directory is a file', () => {
    archiveCase(
      'archive/logs is a file',
      (a) => {
        mkdirSync(join(a, '..'), { recursive: true });
        writeFileSync(a, 'not a directory');
      },
      /^(ENOTDIR|EEXIST)$/,
    );
  });

  it('a day file is a directory (the first day, then a later one)', () => {
    archiveCase(
      'the first day file is a directory',
      (a) => mkdirSync(join(a, '2026-01-01.jsonl', 'x'), { recursive: true }),
      /^(EISDIR|ENOTEMPTY|EEXIST)$/,
    );
    archiveCase(
      'the third day file is a directory',
      (a) => mkdirSync(join(a, '2026-01-03.jsonl', 'x'), { recursive: true }),
      /^(EISDIR|ENOTEMPTY|EEXIST)$/,
    );
  });

  it('a day file holds garbage: nothing of that day is deleted', () => {
    archiveCase(
      'a day file holds garbage',
      (a) => {
        mkdirSync(a, { recursive: true });
        writeFileSync(join(a, '2026-01-02.jsonl'), 'not json\n{"id":1}\n');
      },
      /^ERR_ARCHIVE_CORRUPT$/,
    );
  });

  it('a day file whose last line was torn by a crash: the torn line is dropped, the rest kept', () => {
    counts.cases += 1;
    const dir = seededDir();
    const archiveDir = join(dir, 'archive', 'logs');
    mkdirSync(archiveDir, { recursive: true });
    const kept = '{"id":-7,"source":"old","type":"t","refId":null,"payload":null,"timestamp":1767312000000}';
    writeFileSync(join(archiveDir, '2026-01-02.jsonl'), `${kept}\n{"id":-8,"sou`);
    const s = ours.createLogStore(join(dir, 'logs.db'));
    const out = s.archiveLogs({ now: JAN1 + 9 * DAY, retentionMs: 0 });
    counts.checks += 3;
    expect(s.query()).toEqual([]);
    s.close();
    const lines = readFileSync(join(archiveDir, '2026-01-02.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(lines[0]).toBe(kept);
    expect(lines.length - 1).toBe(out.days.find((d) => d.day === '2026-01-02')?.rowCount);
  });

  it("blob shards and blob files taken by files and directories: the reference's outcome, with a code", () => {
    const places: [string, (root: string) => void][] = [
      ['the shard is a file', (r) => writeFileSync(join(r, HELLO.slice(0, 2)), 'x')],
      ['the blob is a directory', (r) => mkdirSync(join(r, HELLO.slice(0, 2), HELLO.slice(2)), { recursive: true })],
      [
        'the blob is an empty file',
        (r) => {
          mkdirSync(join(r, HELLO.slice(0, 2)), { recursive: true });
          writeFileSync(join(r, HELLO.slice(0, 2), HELLO.slice(2)), '');
        },
      ],
      [
        'the blob is cut short',
        (r) => {
          mkdirSync(join(r, HELLO.slice(0, 2)), { recursive: true });
          writeFileSync(join(r, HELLO.slice(0, 2), HELLO.slice(2)), 'hel');
        },
      ],
      [
        'the root is a file',
        (r) => {
          rmSync(r, { recursive: true, force: true });
          writeFileSync(r, 'x');
        },
      ],
    ];
    for (const [what, place] of places) {
      counts.cases += 1;
      const root = tempDir();
      const outcomes = (['ref', 'ours'] as const).map((name) => {
        const blobRoot = join(root, name, 'blobs');
        mkdirSync(blobRoot, { recursive: true });
        place(blobRoot);
        const mod = name === 'ref' ? reference : ours;
        const b = mod.createBlobStore(blobRoot);
        const calls = [
          capture(() => b.exists(HELLO)),
          capture(() => b.read(HELLO)?.toString()),
          capture(() => b.write('hello')),
          capture(() => b.read(HELLO)?.toString()),
        ];
        return { calls, root: join(root, name) };
      });
      const [r, o] = outcomes;
      r.calls.forEach((rc, i) => {
        counts.checks += 1;
        const oc = o.calls[i];
        if (!oc.ok) expectCoded(`${what}, call #${i}`, oc.error);
        const a = showOutcome(rc).split(r.root).join('<DIR>');
        const b = showOutcome(oc).split(o.root).join('<DIR>');
        if (a !== b && !codeAdded(rc, oc, { ref: r.root, ours: o.root })) expect(b, `${what}, call #${i}`).toBe(a);
      });
      // Whatever is visible under the blob's name hashes to it.
      const file = join(o.root, 'blobs', HELLO.slice(0, 2), HELLO.slice(2));
      counts.checks += 1;
      if (existsSync(file) && statSync(file).isFile()) {
        const ok = capture(() => ours.createBlobStore(join(o.root, 'blobs')).read(HELLO));
        if (ok.ok) expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(HELLO);
        else expectCoded(`${what}: a damaged blob is refused on read`, ok.error, /^ERR_BLOB_MISMATCH$/);
      }
    }
  });

  it('a truncated logs.db file under an open store does not take the process down', () => {
    counts.cases += 1;
    const dir = seededDir(40);
    const s = ours.createLogStore(join(dir, 'logs.db'));
    // Another program cuts the file under the open connection.
    truncateSync(join(dir, 'logs.db'), 1024);
    for (const call of [
      () => s.query(),
      () => s.append(entry(1)),
      () => s.getThreadRoundCount('run-1'),
      () => s.archiveLogs({ now: JAN1 + 9 * DAY, retentionMs: 0 }),
    ]) {
      const o = capture(call);
      if (!o.ok) expectCoded('a call on a truncated file', o.error);
    }
    capture(() => s.close());
  });
});
