// One hostile case: fresh stores for the reference and for ours, the same seeded rows in both, one
// call with arguments built from the same description, then the outcomes and everything on disk
// compared. A case passes when ours returns or throws what the reference does (leaving the same
// rows, archive files and blobs), or when ours refuses with a TypeError/RangeError that has a
// `code` and names the argument, having stored nothing.
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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { capture, codeAdded, type Outcome, showOutcome } from '../../parity/support/canon';
import { archiveDir, dumpDb, makeSide, ours, reference, type Side, tree } from '../../parity/support/harness';
import { tally } from './tally';
import { build, hostileArb, SEED_TS, type V } from './values';

export type Ctx = Side & { root: string };

export type Call = {
  name: string;
  /**
   * `log` and `blob` calls get seeded stores; `module` calls get empty ones (and a working
   * directory of their own); `pure` calls touch no file, so they get nothing.
   */
  on: 'log' | 'blob' | 'module' | 'pure';
  args: fc.Arbitrary<V>[];
  /** The arguments ours may name when it refuses (`entry` covers `entry.timestamp`). */
  names: string[];
  ours: (c: Ctx, args: unknown[]) => unknown;
  /** The reference's counterpart: its own member, or what the addition stands for there. */
  ref: (c: Ctx, args: unknown[]) => unknown;
  /**
   * Ours writes all or nothing where the counterpart, a sequence of calls, may stop half way:
   * when the counterpart throws, ours must throw too and store nothing.
   */
  allOrNone?: boolean;
  /**
   * The counterpart is node:fs work standing in for an addition (writeFile, readToFile): its
   * failures name other system calls, so two failures match when their `code`s do.
   */
  errorsByCode?: boolean;
};

function sameCode(r: Outcome, o: Outcome): boolean {
  if (r.ok || o.ok) return false;
  const rc = (r.error as { code?: unknown })?.code;
  return typeof rc === 'string' && rc === (o.error as { code?: unknown })?.code;
}

const ASYNC_LIMIT_MS = 30_000;

async function settle(fn: () => unknown): Promise<Outcome> {
  const o = capture(fn);
  if (!o.ok || !(o.value instanceof Promise)) return o;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no settlement within ${ASYNC_LIMIT_MS} ms`)), ASYNC_LIMIT_MS);
  });
  try {
    return { ok: true, value: await Promise.race([o.value, timeout]) };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

function seed(c: Ctx, on: Call['on']): void {
  if (on === 'module') return;
  const s = c.store!;
  s.append({
    source: 'workflow',
    type: 'started',
    refId: 'run-1',
    payload: '{"prompt":"p","maxRounds":3}',
    timestamp: SEED_TS,
  });
  s.append({
    source: 'workflow',
    type: 'thread_workflow_message',
    refId: 'run-1',
    payload: '{"role":"user","content":"hi","timestamp":5}',
    timestamp: SEED_TS + 1,
  });
  s.append({
    source: 'workflow',
    type: 'thread_command_event',
    refId: 'run-1',
    payload: '{"type":"tool_call","n":1}',
    timestamp: SEED_TS + 86_400_000,
  });
  s.upsertWorkflowRun(
    { source: 'workflow', type: 'queued', refId: 'run-1', payload: null, timestamp: SEED_TS + 2 },
    { runId: 'run-1', workflow: 'wf', status: 'started', timestamp: SEED_TS + 2, exitCode: null },
  );
  s.setMeta('k1', 'v1');
  c.blobs.write('hello');
}

/** Files the call may have made in the side's working directory, SQLite files by content. */
function looseFiles(root: string): string {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (r === 'data') continue;
      const st = statSync(p);
      if (st.isDirectory()) {
        out.push(`${r}/`);
        walk(p, r);
      } else if (/-(wal|shm|journal)$/.test(name)) {
        out.push(`${r} (SQLite side file)`);
      } else {
        const bytes = readFileSync(p);
        const isDb = bytes.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000';
        const content = isDb ? capture(() => dumpDb(p)) : null;
        const text = content === null ? bytes : content.ok ? String(content.value) : 'unreadable database';
        out.push(`${r} ${createHash('sha256').update(text).digest('hex')}`);
      }
    }
  };
  walk(root, '');
  return out.join('\n');
}

/** What a case leaves on disk: tables, archive files, blobs and loose files. */
function state(c: Ctx): string {
  const db = existsSync(c.dbPath) ? capture(() => dumpDb(c.dbPath)) : null;
  const dbText = db === null ? '<no db>' : db.ok ? String(db.value) : `unreadable: ${showOutcome(db)}`;
  return [
    dbText,
    `archive:\n${tree(archiveDir(c))}`,
    `blobs:\n${tree(c.blobRoot)}`,
    `files:\n${looseFiles(c.root)}`,
  ].join('\n');
}

/** The state a fresh seeded side has before any call, one per kind of call. */
const baselines = new Map<Call['on'], string>();

function norm(o: Outcome, root: string): string {
  try {
    return showOutcome(o).split(root).join('<ROOT>');
  } catch (e) {
    // A result that holds a caller's revoked Proxy (`{ ...entry, id }` copies it) cannot be walked.
    return `unprintable result: ${(e as Error).message}`;
  }
}

function short(s: string, n = 1500): string {
  return s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s;
}

function sameUpToEntryIndex(r: Outcome, o: Outcome): boolean {
  if (r.ok || o.ok) return false;
  const re = r.error as Error;
  const oe = o.error as Error;
  return (
    re?.constructor === oe?.constructor &&
    String(oe?.message).replace(/entries\[\d+\]/g, 'entry') === String(re?.message)
  );
}

/**
 * Runs one case; returns null when it passes, else what went wrong. `extra` is an argument added
 * past the call's arity, and `drop` leaves off that many trailing arguments.
 */
export async function runCase(call: Call, argsV: V[], drop: number, extra: V | null): Promise<string | null> {
  const argsFor = () => {
    const a = argsV.slice(0, argsV.length - drop).map(build);
    if (extra) a.push(build(extra));
    return a;
  };
  if (call.on === 'pure') return pureCase(call, argsFor, drop, extra);
  const dir = mkdtempSync(join(tmpdir(), 'nerve-hostile-'));
  const cwd = process.cwd();
  const sides: Ctx[] = [];
  try {
    for (const [name, mod] of [
      ['ref', reference],
      ['ours', ours],
    ] as const) {
      const root = join(dir, name);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'pinput.txt'), 'file content\n');
      const side = { ...makeSide(name, mod, root), root };
      seed(side, call.on);
      sides.push(side);
    }
    const [refSide, oursSide] = sides;
    process.chdir(refSide.root);
    const r = await settle(() => call.ref(refSide, argsFor()));
    process.chdir(oursSide.root);
    const o = await settle(() => call.ours(oursSide, argsFor()));
    process.chdir(cwd);
    for (const s of sides) capture(() => s.store?.close());

    if (!baselines.has(call.on)) {
      // A side seeded the same way and touched by nothing else.
      const root = join(dir, 'baseline');
      mkdirSync(root);
      writeFileSync(join(root, 'pinput.txt'), 'file content\n');
      const b = { ...makeSide('ours', ours, root), root };
      seed(b, call.on);
      b.store!.close();
      baselines.set(call.on, state(b));
    }
    const baseline = baselines.get(call.on)!;

    const a = norm(r, refSide.root);
    const b = norm(o, oursSide.root);
    const oursState = state(oursSide);
    const what = `${call.name}(${argsV.length - drop} args${extra ? ' + 1 extra' : ''})`;
    const refusedByName = !o.ok && call.names.some((n) => namesArg(o.error, n));

    if (call.allOrNone && !r.ok) {
      if (o.ok) return `${what}: the counterpart threw, ours returned\n  reference: ${short(a)}\n  ours: ${short(b)}`;
      if (oursState !== baseline) return `${what}: ours threw but stored something\n  ours: ${short(b)}`;
      tally(call.name, a === b || sameUpToEntryIndex(r, o) ? 'matched' : refusedByName ? 'refused' : 'other-error');
      if (a === b || sameUpToEntryIndex(r, o) || refusedByName) return null;
      return `${what}: ours threw another error\n  reference: ${short(a)}\n  ours: ${short(b)}`;
    }
    if (
      a === b ||
      codeAdded(r, o, { ref: refSide.root, ours: oursSide.root }) ||
      (call.errorsByCode && sameCode(r, o))
    ) {
      const refState = state(refSide).split(refSide.root).join('<ROOT>');
      const oursNorm = oursState.split(oursSide.root).join('<ROOT>');
      if (refState !== oursNorm)
        return `${what}: same outcome, different state on disk\n  outcome: ${short(a)}\n  reference: ${short(refState, 3000)}\n  ours: ${short(oursNorm, 3000)}`;
      tally(call.name, 'matched');
      return null;
    }
    if (refusedByName) {
      if (oursState !== baseline)
        return `${what}: ours refused but stored something\n  ours: ${short(b)}\n  state: ${short(oursState, 3000)}`;
      tally(call.name, 'refused');
      return null;
    }
    return `${what}: outcomes differ and ours did not refuse by name\n  reference: ${short(a)}\n  ours: ${short(b)}`;
  } finally {
    process.chdir(cwd);
    for (const s of sides) capture(() => s.store?.close());
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pureCase(call: Call, argsFor: () => unknown[], drop: number, extra: V | null): Promise<string | null> {
  const none = null as unknown as Ctx;
  const r = await settle(() => call.ref(none, argsFor()));
  const o = await settle(() => call.ours(none, argsFor()));
  const a = norm(r, '\u0000');
  const b = norm(o, '\u0000');
  if (a === b || codeAdded(r, o)) {
    tally(call.name, 'matched');
    return null;
  }
  if (!o.ok && call.names.some((n) => namesArg(o.error, n))) {
    tally(call.name, 'refused');
    return null;
  }
  const what = `${call.name}(${call.args.length - drop} args${extra ? ' + 1 extra' : ''})`;
  return `${what}: outcomes differ and ours did not refuse by name\n  reference: ${short(a)}\n  ours: ${short(b)}`;
}

/** A TypeError/RangeError with a `code` whose message quotes `name` or one of its fields. */
function namesArg(err: unknown, name: string): boolean {
  if (!(err instanceof TypeError || err instanceof RangeError) || typeof (err as { code?: unknown }).code !== 'string')
    return false;
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`["']${esc}(?:[.[][^"']*)?["']`).test(err.message);
}

/**
 * A fixed seed per call, so a run is repeatable and its figures stable; `HOSTILE_SEED=<n>` runs
 * other cases (`random` for a fresh seed each run).
 */
function seedFor(name: string): number | undefined {
  const env = process.env.HOSTILE_SEED;
  if (env === 'random') return undefined;
  const base = env === undefined ? 20_261_122 : Number(env);
  let h = base | 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** Checks `runs` cases of `call`: arguments from its arbitraries, sometimes one too few or too many. */
export async function checkCall(call: Call, runs: number, seed = seedFor(call.name)): Promise<void> {
  const arity = fc.oneof(
    { weight: 6, arbitrary: fc.constant<[number, V | null]>([0, null]) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: Math.max(1, call.args.length) })
        .map((d): [number, V | null] => [Math.min(d, call.args.length), null]),
    },
    { weight: 1, arbitrary: hostileArb.map((v): [number, V | null] => [0, v]) },
  );
  await fc.assert(
    fc.asyncProperty(fc.tuple(...call.args), arity, async (argsV, [drop, extra]) => {
      const problem = await runCase(call, argsV, drop, extra);
      if (problem !== null) {
        tally(call.name, 'loss');
        throw new Error(problem);
      }
    }),
    { numRuns: runs, seed, endOnFailure: process.env.HOSTILE_SHRINK !== '1' },
  );
}
