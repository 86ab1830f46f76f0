// Runs one generated scenario against the reference (@uncaged/nerve-store on node:sqlite) and
// against ours, side by side, in two directories of their own, and compares every result, the
// final tables, the archive files and the blob trees.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as reference from '@uncaged/nerve-store';
import fc from 'fast-check';
import { LOG_STORE_ADDITIONS as ADDITIONS } from '../../support/additions';
import { canon, capture, codeAdded, errorView, type Outcome, showOutcome } from './canon';
import { type Ctx, contentBytes, ctxArb, materialize, type Op, opArb, type Profile, RUN_IDS } from './gen';
import { divergence, stats } from './stats';

const require = createRequire(import.meta.url);
/** Members this package adds to a LogStore (batch and async calls); the reference has none. */
const LOG_STORE_ADDITIONS: ReadonlySet<string> = new Set(ADDITIONS);

/** The store with only the members the reference has, so the two compare member for member. */
function referenceSurface(store: object): object {
  return Object.fromEntries(Object.entries(store).filter(([k]) => !LOG_STORE_ADDITIONS.has(k)));
}

export const ours = require('../../../index.js');
export { reference };

type Mod = typeof reference;

export type Side = {
  name: 'ref' | 'ours' | 'probe';
  mod: Mod;
  /** Everything this side writes lives under here. */
  root: string;
  dbPath: string;
  blobRoot: string;
  store: ReturnType<Mod['createLogStore']> | null;
  blobs: ReturnType<Mod['createBlobStore']>;
};

export function makeSide(name: Side['name'], mod: Mod, root: string): Side {
  const dbPath = join(root, 'data', 'logs.db');
  const blobRoot = join(root, 'data', 'blobs');
  return { name, mod, root, dbPath, blobRoot, store: mod.createLogStore(dbPath), blobs: mod.createBlobStore(blobRoot) };
}

export function archiveDir(side: Side): string {
  return join(dirname(side.dbPath), 'archive', 'logs');
}

// ---------------------------------------------------------------------------------------------
// Snapshots of what is on disk

/** Every table's rows with their exact storage class and bytes, `sqlite_master` and a few pragmas. */
export function dumpDb(file: string): string {
  const db = new DatabaseSync(file);
  try {
    const out: string[] = [];
    for (const p of ['journal_mode', 'page_size', 'auto_vacuum', 'encoding', 'user_version', 'application_id']) {
      out.push(`${p}=${canon(db.prepare(`PRAGMA ${p}`).get())}`);
    }
    const master = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all() as {
      type: string;
      name: string;
    }[];
    out.push(`master=${canon(master)}`);
    for (const { name } of master.filter((m) => m.type === 'table')) {
      const cols = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name);
      const select = cols
        .map((c) => `typeof("${c}"), CASE WHEN typeof("${c}") IN ('text', 'blob') THEN hex("${c}") ELSE "${c}" END`)
        .join(', ');
      const stmt = db.prepare(`SELECT ${select} FROM "${name}" ORDER BY rowid`);
      stmt.setReadBigInts(true);
      stmt.setReturnArrays?.(true);
      out.push(`${name}(${cols.join(',')})=${canon(stmt.all())}`);
    }
    return out.join('\n');
  } finally {
    db.close();
  }
}

/** Relative path → sha256 (or `dir`) of every entry below `root`, sorted. */
export function tree(root: string): string {
  if (!existsSync(root)) return '<none>';
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) {
        out.push(`${r}/`);
        walk(p, r);
      } else {
        out.push(`${r} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
      }
    }
  };
  walk(root, '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Applying an operation

function materializeAny(c: unknown): unknown {
  const kind = (c as { kind?: string }).kind;
  return kind === 'number' ? 5 : materialize(c as Parameters<typeof materialize>[0]);
}

/** Calls the public API an operation names, with arguments fresh for this side. */
export function apply(side: Side, op: Op): unknown {
  const s = side.store as any;
  switch (op.k) {
    case 'append':
      return s.append(structuredClone(op.entry));
    case 'upsertWorkflowRun':
    case 'appendWithWorkflowUpdate':
      return s[op.k](structuredClone(op.entry), structuredClone(op.run));
    case 'query':
      return s.query(...structuredClone(op.args));
    case 'getMeta':
      return s.getMeta(op.key);
    case 'setMeta':
      return s.setMeta(op.key, op.value);
    case 'getWorkflowRun':
      return s.getWorkflowRun(op.runId);
    case 'getActiveWorkflowRuns':
      return s.getActiveWorkflowRuns(...op.args);
    case 'getAllWorkflowRuns':
      return s.getAllWorkflowRuns(op.name);
    case 'getTriggerPayload':
    case 'getThreadEvents':
    case 'getThreadMessages':
    case 'getThreadRoundCount':
      return s[op.k](op.runId);
    case 'getThreadRounds':
      return s.getThreadRounds(op.runId, structuredClone(op.params));
    case 'archiveLogs':
      return s.archiveLogs(...structuredClone(op.args));
    case 'blobWrite':
      return side.blobs.write(materializeAny(op.content) as string);
    case 'blobRead':
      return side.blobs.read(op.hash);
    case 'blobExists':
      return side.blobs.exists(op.hash);
    case 'normalizeBlobHash':
      return side.mod.normalizeBlobHash(op.hash);
    case 'day':
      return (side.mod as any)[op.fn](...op.args);
    default:
      throw new Error(`apply: ${op.k} is handled by the harness`);
  }
}

function withDb<T>(file: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * Whether `err` is how ours refuses an argument: a TypeError/RangeError with a `code` whose message
 * names `arg` (`The "entry.source" argument ...`, `The argument 'run.status' ...`).
 */
export function refusedNaming(err: unknown, arg: string): boolean {
  const refused =
    (err instanceof TypeError || err instanceof RangeError) && typeof (err as { code?: unknown }).code === 'string';
  return refused && (err.message.includes(`"${arg}"`) || err.message.includes(`'${arg}'`));
}

/** A query filter whose `limit` is a number but not a safe integer (1.5, NaN, Infinity, 2^53). */
function unusualLimit(filter: unknown): boolean {
  const limit = (filter as { limit?: unknown } | null | undefined)?.limit;
  return typeof limit === 'number' && !Number.isSafeInteger(limit);
}

// ---------------------------------------------------------------------------------------------
// A scenario

export type ScenarioInfo = { seed: number; profile: Profile; ctx: Ctx; ops: Op[] };

export function makeScenario(seed: number, profile: Profile, length: number): ScenarioInfo {
  const [ctx] = fc.sample(ctxArb(profile), { seed, numRuns: 1 });
  const [ops] = fc.sample(fc.array(opArb(ctx), { minLength: length, maxLength: length }), { seed, numRuns: 1 });
  return { seed, profile, ctx, ops };
}

const MAX_REPORTED = 15;

export const debugCounts = new Map<string, number>();

/** Both texts cut to a window around where they first differ. */
function aroundFirstDifference(a: string, b: string, width = 300): [string, string] {
  if (a.length <= 2 * width && b.length <= 2 * width) return [a, b];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - width);
  const cut = (s: string) =>
    `${from > 0 ? `...(${from} chars) ` : ''}${s.slice(from, i + width)}${s.length > i + width ? ` ...(${s.length} chars)` : ''}`;
  return [cut(a), cut(b)];
}

export class Scenario {
  readonly dir: string;
  readonly ref: Side;
  readonly ours: Side;
  readonly probe: Side;
  readonly mismatches: string[] = [];
  /** Day → id → line: every line the reference ever wrote for that day (the union rule). */
  readonly archived = new Map<string, Map<number, string>>();
  private closedLeft = 0;
  private opIndex = -1;
  private op: Op | null = null;

  constructor(readonly info: ScenarioInfo) {
    this.dir = mkdtempSync(join(tmpdir(), `nerve-parity-${info.seed}-`));
    this.ref = makeSide('ref', reference, join(this.dir, 'ref'));
    this.ours = makeSide('ours', ours, join(this.dir, 'ours'));
    // The reference's behaviour on inputs outside its types is recorded on a store of its own, so
    // that whatever it stores there cannot make the compared stores part ways.
    this.probe = makeSide('probe', reference, join(this.dir, 'probe'));
  }

  private where(): string {
    const { seed, profile, ctx } = this.info;
    const op = this.op ? fc.stringify(this.op) : '-';
    return `seed=${seed} profile=${profile} base=${new Date(ctx.base).toISOString()} span=${ctx.span} op#${this.opIndex} ${op.length > 600 ? `${op.slice(0, 600)}...` : op}`;
  }

  mismatch(what: string, ref: string, ours: string): void {
    if (this.mismatches.length < MAX_REPORTED) {
      const [a, b] = aroundFirstDifference(ref, ours);
      this.mismatches.push(`${this.where()}\n  ${what}\n    reference: ${a}\n    ours:      ${b}`);
    }
  }

  /** The two sides' outcomes with each side's own directory written as <ROOT>. */
  private norm(side: Side, o: Outcome): string {
    return showOutcome(o).split(side.root).join('<ROOT>');
  }

  compare(what: string, r: Outcome, o: Outcome, rSide: Side = this.ref): void {
    stats.comparisons += 1;
    if (process.env.PARITY_DEBUG) {
      const v = r.ok ? r.value : undefined;
      const shape = !r.ok
        ? `throw ${errorView(r.error).message.slice(0, 40)}`
        : Array.isArray(v)
          ? v.length
            ? 'non-empty'
            : 'empty'
          : v === null
            ? 'null'
            : typeof v;
      debugCounts.set(`${what} -> ${shape}`, (debugCounts.get(`${what} -> ${shape}`) ?? 0) + 1);
    }
    const a = this.norm(rSide, r);
    const b = this.norm(this.ours, o);
    // The reference's own errors (Date's RangeError, its plain Errors) carry no `code`; ours add
    // one. Same class and message, so counted rather than failed.
    if (a === b || codeAdded(r, o, { ref: rSide.root, ours: this.ours.root })) return;
    this.mismatch(what, a, b);
  }

  both(what: string, fn: (side: Side) => unknown): void {
    this.compare(
      what,
      capture(() => fn(this.ref)),
      capture(() => fn(this.ours)),
    );
  }

  run(): void {
    const { ops } = this.info;
    for (let i = 0; i < ops.length; i++) {
      this.opIndex = i;
      this.op = ops[i];
      this.step(ops[i]);
      stats.operations += 1;
      if (this.closedLeft > 0 && --this.closedLeft === 0) this.reopen();
    }
    this.opIndex = ops.length;
    this.op = null;
    this.finish();
  }

  private step(op: Op): void {
    switch (op.k) {
      case 'reopen':
        this.reopen();
        return;
      case 'close':
        if (this.closedLeft > 0) return;
        this.both('close()', (s) => s.store!.close());
        this.closedLeft = op.closedFor + 1;
        return;
      case 'foreignRow':
        this.offline(() => {
          for (const s of [this.ref, this.ours])
            withDb(s.dbPath, (db) => db.prepare(op.sql).run(...(op.params as any[])));
        });
        return;
      case 'foreignStatus':
        this.foreignStatus(op.runId, op.status);
        return;
      case 'foreignMeta':
        this.foreignMeta(op.key, op.hex);
        return;
      case 'blobTamper':
        this.blobTamper(op.content, op.garbage);
        return;
      case 'outside':
        this.outside(op.op, op.arg);
        return;
      default: {
        if (op.k === 'query' && unusualLimit(op.args[0])) {
          this.refusable(op, 'filter.limit');
          return;
        }
        this.both(op.k, (s) => apply(s, op));
        if (op.k === 'archiveLogs') this.checkArchives();
      }
    }
  }

  private reopen(): void {
    this.closedLeft = 0;
    this.both('close() before reopening', (s) => s.store!.close());
    this.checkTables('tables after close');
    this.both('createLogStore(same path)', (s) => {
      s.store = s.mod.createLogStore(s.dbPath);
      return referenceSurface(s.store);
    });
  }

  /**
   * Runs `fn` while neither store has its file open. node:sqlite and our addon each bundle their
   * own SQLite, and two SQLite libraries in one process do not see each other's POSIX locks: a
   * node:sqlite connection closing on a file our store still has open takes itself for the last
   * one, checkpoints and deletes the WAL under our connection, and writes get lost. (A process
   * that opens one file through both libraries at once would have that problem too; the daemon
   * uses one store.) So files are touched from outside only while the stores are closed.
   */
  private offline(fn: () => void): void {
    const wasOpen = this.closedLeft === 0;
    if (wasOpen) this.both('close() before a foreign write', (s) => s.store!.close());
    fn();
    if (wasOpen) {
      this.both('createLogStore after a foreign write', (s) => {
        s.store = s.mod.createLogStore(s.dbPath);
        return referenceSurface(s.store);
      });
    }
  }

  private foreignStatus(runId: string, status: unknown): void {
    let before: ({ h: string } | undefined)[] = [];
    this.offline(() => {
      before = [this.ref, this.ours].map((s) =>
        withDb(
          s.dbPath,
          (db) =>
            db.prepare('SELECT hex(status) AS h FROM workflow_runs WHERE run_id = ?').get(runId) as
              | { h: string }
              | undefined,
        ),
      );
      for (const s of [this.ref, this.ours]) {
        withDb(s.dbPath, (db) =>
          db.prepare('UPDATE workflow_runs SET status = ? WHERE run_id = ?').run(status as any, runId),
        );
      }
    });
    this.both('getWorkflowRun after a foreign status', (s) => s.store!.getWorkflowRun(runId));
    this.both('getAllWorkflowRuns(null) after a foreign status', (s) => s.store!.getAllWorkflowRuns(null));
    this.both('getActiveWorkflowRuns() after a foreign status', (s) => s.store!.getActiveWorkflowRuns());
    this.offline(() => {
      [this.ref, this.ours].forEach((s, i) => {
        const b = before[i];
        if (b)
          withDb(s.dbPath, (db) =>
            db.prepare(`UPDATE workflow_runs SET status = CAST(X'${b.h}' AS TEXT) WHERE run_id = ?`).run(runId),
          );
      });
    });
  }

  private foreignMeta(key: string, hex: string): void {
    let before: ({ h: string; t: string } | undefined)[] = [];
    this.offline(() => {
      before = [this.ref, this.ours].map((s) =>
        withDb(
          s.dbPath,
          (db) =>
            db.prepare('SELECT hex(value) AS h, typeof(value) AS t FROM meta WHERE key = ?').get(key) as
              | { h: string; t: string }
              | undefined,
        ),
      );
      for (const s of [this.ref, this.ours]) {
        withDb(s.dbPath, (db) =>
          db
            .prepare(
              `INSERT INTO meta (key, value) VALUES (?, X'${hex}') ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
            )
            .run(key),
        );
      }
    });
    this.both(`getMeta(${key}) of a BLOB value`, (s) => s.store!.getMeta(key));
    if (key === 'archived_up_to') {
      this.both('archiveLogs with a BLOB watermark', (s) =>
        s.store!.archiveLogs({ now: this.info.ctx.base, retentionMs: 0 }),
      );
      this.checkArchives();
    }
    this.offline(() => {
      [this.ref, this.ours].forEach((s, i) => {
        const b = before[i];
        withDb(s.dbPath, (db) => {
          if (!b) db.prepare('DELETE FROM meta WHERE key = ?').run(key);
          else
            db.prepare(
              `UPDATE meta SET value = ${b.t === 'text' ? `CAST(X'${b.h}' AS TEXT)` : `X'${b.h}'`} WHERE key = ?`,
            ).run(key);
        });
      });
    });
  }

  private blobTamper(content: Parameters<typeof contentBytes>[0], garbage: number[]): void {
    const hash = createHash('sha256').update(contentBytes(content)).digest('hex');
    for (const s of [this.ref, this.ours]) {
      const file = join(s.blobRoot, hash.slice(0, 2), hash.slice(2));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(garbage));
    }
    this.both('blob read of a damaged file', (s) => s.blobs.read(hash.toUpperCase()));
    this.both('blob exists of a damaged file', (s) => s.blobs.exists(hash));
    this.both('blob write over a damaged file', (s) => s.blobs.write(materialize(content)));
    this.checkBlobs('blob trees after tampering');
  }

  /**
   * A call the reference's types allow, with a value ours refuses by name (a `limit` that is not a
   * safe integer, which the reference splices into its SQL text): the reference's result, or ours
   * throwing a TypeError/RangeError that names `arg`. Only for calls that change nothing stored.
   */
  private refusable(op: Op, arg: string): void {
    const r = capture(() => apply(this.ref, op));
    const o = capture(() => apply(this.ours, op));
    if (!o.ok && refusedNaming(o.error, arg)) {
      stats.comparisons += 1;
      divergence(`refused-in-types(${arg})`);
      return;
    }
    this.compare(op.k, r, o);
  }

  /** An input the reference's types rule out: ours may refuse it, naming the argument. */
  private outside(op: Op, arg: string): void {
    if (this.closedLeft > 0) return;
    // Read with node:sqlite only while our store is closed (see `offline`).
    const snapshot = () => {
      this.ours.store!.close();
      const text = `${dumpDb(this.ours.dbPath)}\n${tree(this.ours.blobRoot)}`;
      this.ours.store = ours.createLogStore(this.ours.dbPath);
      return text;
    };
    const before = snapshot();
    const o = capture(() => apply(this.ours, op));
    const after = snapshot();
    const r = capture(() => apply(this.probe, op));
    stats.comparisons += 1;
    const a = this.norm(this.probe, r);
    const b = this.norm(this.ours, o);
    if (a === b) return;
    if (!o.ok && refusedNaming(o.error, arg)) {
      if (before !== after) this.mismatch(`outside the types (${arg}): ours refused but changed state`, a, b);
      else divergence(`outside-types(${arg})`);
      return;
    }
    this.mismatch(`outside the types (${arg})`, a, b);
  }

  /** Archive listings equal; the reference's files are its last writes, ours the id-ordered union. */
  checkArchives(): void {
    const rDir = archiveDir(this.ref);
    const oDir = archiveDir(this.ours);
    const rFiles = existsSync(rDir) ? readdirSync(rDir).sort() : null;
    const oFiles = existsSync(oDir) ? readdirSync(oDir).sort() : null;
    stats.comparisons += 1;
    if (canon(rFiles) !== canon(oFiles)) {
      this.mismatch('archive directory listing', canon(rFiles), canon(oFiles));
      return;
    }
    for (const f of rFiles ?? []) {
      const day = f.replace(/\.jsonl$/, '');
      const text = readFileSync(join(rDir, f), 'utf8');
      const lines = this.archived.get(day) ?? new Map<number, string>();
      for (const line of text.split('\n').filter((l) => l !== '')) lines.set(JSON.parse(line).id, line);
      this.archived.set(day, lines);
      const ids = [...lines.keys()].sort((x, y) => x - y);
      const expected = ids.map((id) => `${lines.get(id)}\n`).join('');
      const got = readFileSync(join(oDir, f), 'utf8');
      stats.comparisons += 1;
      if (got !== expected)
        this.mismatch(
          `archive file ${f} (expected: union of every archived line)`,
          JSON.stringify(expected),
          JSON.stringify(got),
        );
    }
  }

  checkTables(what: string): void {
    stats.comparisons += 1;
    const a = dumpDb(this.ref.dbPath);
    const b = dumpDb(this.ours.dbPath);
    if (a !== b) {
      const al = a.split('\n');
      const bl = b.split('\n');
      const i = al.findIndex((l, j) => l !== bl[j]);
      this.mismatch(`${what} (first differing line ${i})`, al[i] ?? '', bl[i] ?? '');
    }
  }

  checkBlobs(what: string): void {
    stats.comparisons += 1;
    const a = tree(this.ref.blobRoot);
    const b = tree(this.ours.blobRoot);
    if (a !== b) this.mismatch(what, a, b);
  }

  private finish(): void {
    if (this.closedLeft === 0) this.both('final close()', (s) => s.store!.close());
    this.closedLeft = 0;
    this.checkTables('final tables');
    this.checkArchives();
    this.checkBlobs('final blob trees');
    // Days where the union rule shows: the reference's last write lost lines that ours kept.
    for (const f of existsSync(archiveDir(this.ref)) ? readdirSync(archiveDir(this.ref)) : []) {
      const r = readFileSync(join(archiveDir(this.ref), f));
      const o = readFileSync(join(archiveDir(this.ours), f));
      if (!r.equals(o)) divergence('archive-union-rule-days');
    }
    stats.comparisons += 1;
    const rData = readdirSync(dirname(this.ref.dbPath)).sort();
    const oData = readdirSync(dirname(this.ours.dbPath)).sort();
    if (canon(rData) !== canon(oData)) this.mismatch('data directory listing', canon(rData), canon(oData));
    this.crossOpen();
  }

  /** Each implementation opens the other's file; both must read the same through the API. */
  private crossOpen(): void {
    const reads = (store: any): Outcome[] => {
      const out: Outcome[] = [];
      out.push(capture(() => store.query()));
      out.push(capture(() => store.getAllWorkflowRuns(null)));
      out.push(capture(() => store.getActiveWorkflowRuns()));
      for (const key of ['k1', 'k2', '', 'archived_up_to']) out.push(capture(() => store.getMeta(key)));
      for (const runId of RUN_IDS) {
        out.push(capture(() => store.getWorkflowRun(runId)));
        out.push(capture(() => store.getTriggerPayload(runId)));
        out.push(capture(() => store.getThreadEvents(runId)));
        out.push(capture(() => store.getThreadMessages(runId)));
        out.push(capture(() => store.getThreadRoundCount(runId)));
        out.push(capture(() => store.getThreadRounds(runId, { before: 0, limit: 1_000_000 })));
      }
      return out;
    };
    const open = (mod: Mod, file: string) => {
      const store = mod.createLogStore(file);
      try {
        return reads(store);
      } finally {
        store.close();
      }
    };
    const refOnRef = open(reference, this.ref.dbPath);
    const oursOnRef = open(ours, this.ref.dbPath);
    const refOnOurs = open(reference, this.ours.dbPath);
    const oursOnOurs = open(ours, this.ours.dbPath);
    refOnRef.forEach((r, i) => {
      this.compare(`cross-open read #${i}: ours on the reference's file`, r, oursOnRef[i]);
      this.compare(`cross-open read #${i}: reference on our file`, r, refOnOurs[i]);
      this.compare(`cross-open read #${i}: ours on our file`, r, oursOnOurs[i]);
    });
    this.checkTables('tables after cross-opening');
  }

  cleanup(): void {
    for (const s of [this.ref, this.ours, this.probe]) {
      try {
        s.store?.close();
      } catch {
        // already closed
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs a scenario start to end; throws with every mismatch found (up to a cap). */
export function runScenario(seed: number, profile: Profile, length: number): void {
  const info = makeScenario(seed, profile, length);
  const sc = new Scenario(info);
  try {
    sc.run();
  } finally {
    stats.scenarios += 1;
    if (sc.mismatches.length === 0 || !process.env.PARITY_KEEP_DIRS) sc.cleanup();
  }
  if (sc.mismatches.length > 0) {
    throw new Error(
      `parity mismatch (replay with PARITY_SEEDS=${seed}; kept in ${process.env.PARITY_KEEP_DIRS ? sc.dir : '<set PARITY_KEEP_DIRS=1>'}):\n` +
        sc.mismatches.join('\n'),
    );
  }
}
