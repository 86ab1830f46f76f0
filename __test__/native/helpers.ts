// Shared helpers for the unit tests of this package. Nothing here imports node:sqlite or the
// reference package: these tests also run under Node 20.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import type { LogEntry, LogStore, WorkflowRun } from '../../index.mjs';
import { createLogStore } from '../../index.mjs';

const dirs: string[] = [];
const stores: LogStore[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) {
    try {
      s.close();
    } catch {
      // already closed by the test
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nerve-store-native-'));
  dirs.push(d);
  return d;
}

/** A log store at `<fresh temp dir>/logs.db`, closed after the test. */
export function openStore(dir = tempDir()): { store: LogStore; dir: string; dbPath: string } {
  const dbPath = join(dir, 'logs.db');
  const store = createLogStore(dbPath);
  stores.push(store);
  return { store, dir, dbPath };
}

export const DAY = 86_400_000;

export function entry(over: Partial<Omit<LogEntry, 'id'>> = {}): Omit<LogEntry, 'id'> {
  return { source: 'system', type: 'tick', refId: null, payload: null, timestamp: 1_000, ...over };
}

export function run(over: Partial<WorkflowRun> = {}): WorkflowRun {
  return { runId: 'run-1', workflow: 'wf', status: 'queued', timestamp: 1_000, exitCode: null, ...over };
}

/**
 * Expects `fn` to throw a TypeError or RangeError (as `ctor` says) with an `ERR_*` `code` and a
 * message naming `arg` in quotes.
 */
export function expectArgError(
  fn: () => unknown,
  arg: string,
  ctor: typeof TypeError | typeof RangeError = TypeError,
): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a ${ctor.name} naming "${arg}"`).toBeInstanceOf(ctor);
  const err = caught as Error & { code?: unknown };
  expect(typeof err.code).toBe('string');
  expect(err.code).toMatch(/^ERR_/);
  const quoted = new RegExp(`["']${arg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']`);
  expect(err.message).toMatch(quoted);
}

/** The error `fn` throws (fails the test when it returns). */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the call to throw');
}

// ---------------------------------------------------------------------------------------------
// A second SQLite writer, to put on disk what this package refuses to write (an unknown workflow
// status, a legacy table). Python's sqlite3 module or the sqlite3 shell, whichever exists.

type Sqlite = (dbPath: string, sql: string) => unknown[];

function pythonSqlite(): Sqlite | null {
  const code = [
    'import json, sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    'c.row_factory = sqlite3.Row',
    'rows = []',
    'for stmt in [s for s in sys.argv[2].split(";") if s.strip()]:',
    '    cur = c.execute(stmt)',
    '    if cur.description: rows = [dict(r) for r in cur.fetchall()]',
    'c.commit()',
    'c.close()',
    'print(json.dumps(rows))',
  ].join('\n');
  try {
    execFileSync('python3', ['-c', 'import sqlite3'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return (dbPath, sql) => JSON.parse(execFileSync('python3', ['-c', code, dbPath, sql], { encoding: 'utf8' }));
}

function shellSqlite(): Sqlite | null {
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return (dbPath, sql) => {
    const stmts = sql.split(';').filter((x) => x.trim() !== '');
    const last = stmts.pop() ?? '';
    if (stmts.length > 0) execFileSync('sqlite3', [dbPath, stmts.join(';')], { stdio: 'ignore' });
    const out = execFileSync('sqlite3', ['-json', dbPath, last], { encoding: 'utf8' }).trim();
    return out === '' ? [] : JSON.parse(out);
  };
}

/** Runs `sql` (statements split on `;`) with another SQLite client; the last SELECT's rows. */
export const foreignSqlite: Sqlite | null = pythonSqlite() ?? shellSqlite();
