// The checks after a kill: the database is sound, every acknowledged (or once seen) row is in the
// database or the archive exactly once after an archive pass, each workflow run holds its last
// acknowledged state or one a later call may have written, searches find what the database holds
// (search-check.mjs), and every blob file hashes to its name. In the remote phase (`view`, see
// remote-view.mjs) a blob or a day may be in the bucket instead of on disk, never nowhere.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { checkSearch } from './search-check.mjs';
import { blobBytes, keyOf, RETENTION_MS, rowProblem, sha256 } from './workload.mjs';

const require = createRequire(import.meta.url);
const { createLogStore, createBlobStore } = require('../../index.js');
const { integrityCheck } = require('../../lib/native.js');

export const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;
export const SHARD = /^[0-9a-f]{2}$/;
export const BLOB = /^[0-9a-f]{62}$/;

const sig = (st) => `${st.ino}:${st.size}:${st.mtimeMs}`;
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * What earlier checks learnt: parsed archive lines (a day file is rewritten whole whenever a late
 * row joins it, but its old lines come back byte for byte) and blob files already rehashed.
 */
export class CheckCache {
  constructor() {
    /**
     * id -> { line, key, timestamp } for lines that passed every check. The line is a copy: a
     * substring of the file's text would keep the whole text alive.
     */
    this.lines = new Map();
    /** Blob files already rehashed, by path: a blob is never rewritten in place. */
    this.blobFiles = new Map();
  }

  /** The day file's rows as `{ id, key, timestamp }`, what is wrong with its lines, how many were new. */
  readDay(file, day) {
    return this.readDayText(readFileSync(file, 'utf8'), file, day);
  }

  /** The same for a day's text, named `file` in problems (a remote day object's, say). */
  readDayText(text, file, day) {
    const rows = [];
    const problems = [];
    let fresh = 0;
    if (text !== '' && !text.endsWith('\n')) problems.push(`${file}: last line has no newline`);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const hit = this.lines.get(Number.parseInt(line.slice(6, 30), 10));
      if (hit !== undefined && hit.line === line) {
        if (dayOf(hit.timestamp) === day) rows.push(hit);
        else problems.push(`${file}: row ${hit.id} belongs to ${dayOf(hit.timestamp)}`);
        continue;
      }
      fresh++;
      let row;
      try {
        row = JSON.parse(line);
      } catch {
        problems.push(`${file}: a line is not JSON: ${line.slice(0, 80)}`);
        continue;
      }
      const p = rowProblem(row);
      if (p !== null) {
        problems.push(`${file}: ${p}`);
        continue;
      }
      if (
        JSON.stringify({
          id: row.id,
          source: row.source,
          type: row.type,
          refId: row.refId,
          payload: row.payload,
          timestamp: row.timestamp,
        }) !== line
      ) {
        problems.push(`${file}: row ${row.id} is not written as JSON.stringify writes it`);
        continue;
      }
      const r = { id: row.id, key: keyOf(row), timestamp: row.timestamp };
      this.lines.set(row.id, { ...r, line: Buffer.from(line).toString() });
      if (dayOf(r.timestamp) === day) rows.push(r);
      else problems.push(`${file}: row ${r.id} belongs to ${dayOf(r.timestamp)}`);
    }
    return { rows, problems, fresh };
  }
}

/**
 * Checks `dataDir` against `exp` (see journal.mjs) after the child of run `present` was killed,
 * archiving with that run's clock first. `view`: what the bucket holds, in the remote phase.
 * Returns the problems found and what was looked at.
 */
export function checkDir(dataDir, exp, present, newBlobs, cache, view = null) {
  const problems = [];
  const counts = {
    rows: 0,
    rowsParsed: 0,
    blobFiles: 0,
    blobsHashed: 0,
    blobsRead: 0,
    strayArchive: 0,
    strayBlobs: 0,
    runs: 0,
    archivedDays: 0,
    searches: 0,
    searchRows: 0,
    searchFound: 0,
    searchArchived: 0,
    remoteDays: 0,
    remoteBlobs: 0,
  };
  if (view) problems.push(...view.problems);
  const dbPath = join(dataDir, 'logs.db');
  if (!existsSync(dbPath)) {
    if (exp.ackedRows.size > 0) problems.push('logs.db is gone');
  } else {
    const integrity = integrityCheck(dbPath);
    if (integrity.length !== 1 || integrity[0] !== 'ok') problems.push(`integrity_check: ${integrity.join('; ')}`);
    const store = createLogStore(dbPath);
    try {
      store.archiveLogs({ now: present, retentionMs: RETENTION_MS });
      const dbRows = store.query();
      const runs = store.getAllWorkflowRuns(null);
      const where = checkRows(dataDir, exp, present, dbRows, problems, counts, cache, view);
      checkRuns(exp, runs, problems, counts);
      checkSearch(store, dataDir, where, exp.ackedRows, problems, counts);
    } finally {
      store.close();
    }
  }
  checkBlobs(dataDir, exp, newBlobs, problems, counts, cache, view);
  return { problems, counts };
}

function checkRows(dataDir, exp, present, dbRows, problems, counts, cache, view) {
  /** id -> { at: 'logs.db' or the day file's day, key, timestamp }: finds every copy. */
  const where = new Map();
  const byKey = new Map();
  const place = (id, key, timestamp, at) => {
    const seen = where.get(id);
    if (seen !== undefined) problems.push(`row ${id} is twice: in ${seen.at} and in ${at}`);
    else where.set(id, { at, key, timestamp });
    const other = byKey.get(key);
    if (other !== undefined && other !== id) problems.push(`key ${key} is stored twice: rows ${other} and ${id}`);
    byKey.set(key, id);
  };
  // After an archive with this run's clock, no row that old may stay in SQLite.
  const archivedBefore = present - RETENTION_MS;
  for (const row of dbRows) {
    const p = rowProblem(row);
    if (p !== null) {
      problems.push(`logs.db: ${p}`);
      continue;
    }
    if (row.timestamp < archivedBefore)
      problems.push(`row ${row.id} (${dayOf(row.timestamp)}) is still in logs.db after the archive`);
    place(row.id, keyOf(row), row.timestamp, 'logs.db');
  }
  counts.rows += dbRows.length;
  const dir = join(dataDir, 'archive', 'logs');
  /**
   * day -> id -> { row, from }: a day's local file and its remote copy are one day, so a row in
   * both is one row (the same line); twice in one copy, it is twice.
   */
  const byDay = new Map();
  const takeDay = (day, from, { rows, problems: lineProblems, fresh }) => {
    problems.push(...lineProblems);
    counts.rowsParsed += fresh;
    const have = byDay.get(day) ?? new Map();
    byDay.set(day, have);
    for (const row of rows) {
      const same = have.get(row.id);
      if (same === undefined) have.set(row.id, { row, from });
      else if (same.from === from) problems.push(`row ${row.id} is twice: in ${day} (${from}) twice`);
      else if (same.row.key !== row.key)
        problems.push(`row ${row.id} of ${day} holds ${same.row.key} on disk, ${row.key} remote`);
    }
  };
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (name.startsWith('.tmp.')) {
      counts.strayArchive++;
      continue;
    }
    if (name === '.remote' && view) continue;
    if (!DAY_FILE.test(name)) {
      problems.push(`archive/logs/${name}: not a day file`);
      continue;
    }
    const day = name.slice(0, 10);
    takeDay(day, 'disk', cache.readDay(join(dir, name), day));
  }
  for (const [day, text] of view?.days ?? []) {
    counts.remoteDays++;
    takeDay(day, 'remote', cache.readDayText(text, `remote ${day}.jsonl`, day));
  }
  for (const [day, rows] of byDay) {
    counts.rows += rows.size;
    for (const { row: r } of rows.values()) place(r.id, r.key, r.timestamp, day);
  }
  for (const [day] of exp.archivedDays) {
    if (!byDay.has(day))
      problems.push(
        `LOST: archive/logs/${day}.jsonl, acknowledged as archived, is missing${view ? ' here and remote' : ''}`,
      );
  }
  counts.archivedDays = exp.archivedDays.size;
  for (const [id, a] of exp.ackedRows) {
    const found = where.get(id);
    if (found === undefined) {
      problems.push(`LOST: acknowledged row ${id} (${a.key}, ${a.op}) is nowhere`);
      continue;
    }
    if (found.key !== a.key) {
      problems.push(`acknowledged row ${id} holds ${found.key}, not ${a.key}`);
      continue;
    }
    // An acknowledged archive of the row's day put it in that day's file if it was acknowledged
    // before the archive started.
    const day = dayOf(found.timestamp);
    const before = exp.archivedDays.get(day);
    if (before !== undefined && a.order < before && found.at !== day) {
      problems.push(`row ${id} was acknowledged before an acknowledged archive of ${day} but is in ${found.at}`);
    }
  }
  for (const [id, key] of exp.knownRows) {
    const found = where.get(id);
    if (found === undefined) problems.push(`LOST: row ${id} (${key}), present after an earlier kill, is gone`);
    else if (found.key !== key) problems.push(`row ${id} held ${key} after an earlier kill, now ${found.key}`);
  }
  // What is there now must stay (every row written is acknowledged or not, but once stored it is).
  exp.knownRows = new Map([...where].map(([id, w]) => [id, w.key]));
  return where;
}

function checkRuns(exp, runs, problems, counts) {
  const inDb = new Map(
    runs.map((r) => [
      r.runId,
      JSON.stringify({
        runId: r.runId,
        workflow: r.workflow,
        status: r.status,
        timestamp: r.timestamp,
        exitCode: r.exitCode,
      }),
    ]),
  );
  for (const runId of new Set([...inDb.keys(), ...exp.runs.keys()])) {
    counts.runs++;
    const want = exp.runState(runId);
    const got = inDb.get(runId) ?? 'null';
    if (got !== want.state && !want.pending.includes(got)) {
      problems.push(
        `workflow run ${runId} is ${got}; expected ${want.state}${want.pending.length ? ` or one of ${want.pending.join(', ')}` : ''}`,
      );
    }
    // Whatever it holds now was durable: later checks must see it or a later call's state.
    want.state = got;
    want.pending = [];
  }
}

function checkBlobs(dataDir, exp, newBlobs, problems, counts, cache, view) {
  const root = join(dataDir, 'blobs');
  const onDisk = new Set();
  for (const shard of existsSync(root) ? readdirSync(root, { withFileTypes: true }) : []) {
    if (shard.name.startsWith('.tmp.')) {
      counts.strayBlobs++;
      continue;
    }
    // The remote tier's upload log (remote phase).
    if (shard.name === '.remote' && view) continue;
    if (!shard.isDirectory() || !SHARD.test(shard.name)) {
      problems.push(`blobs/${shard.name}: neither a shard nor a temporary file`);
      continue;
    }
    for (const f of readdirSync(join(root, shard.name), { withFileTypes: true })) {
      const file = join(root, shard.name, f.name);
      if (f.name.startsWith('.tmp.')) {
        counts.strayBlobs++;
        continue;
      }
      if (!f.isFile() || !BLOB.test(f.name)) {
        problems.push(`${file}: neither a blob nor a temporary file`);
        continue;
      }
      const hash = shard.name + f.name;
      onDisk.add(hash);
      counts.blobFiles++;
      const s = sig(statSync(file));
      if (cache.blobFiles.get(file) === s) continue;
      counts.blobsHashed++;
      const actual = sha256(readFileSync(file));
      if (actual !== hash) problems.push(`DAMAGED: blob ${hash} hashes to ${actual}`);
      else cache.blobFiles.set(file, s);
    }
  }
  // Held: on disk, or (remote phase) in the bucket, where the server verified its sha256.
  const held = (hash) => onDisk.has(hash) || Boolean(view?.blobs.has(hash));
  counts.remoteBlobs += view?.blobs.size ?? 0;
  for (const hash of exp.knownBlobs) {
    if (!held(hash)) problems.push(`LOST: blob ${hash}, present after an earlier kill, is gone`);
  }
  for (const [hash, b] of exp.ackedBlobs) {
    if (!held(hash)) problems.push(`LOST: acknowledged blob ${hash} (${b.key}, ${b.op}) is missing`);
  }
  const blobs = createBlobStore(root);
  for (const hash of new Set(newBlobs)) {
    const { key, op } = exp.ackedBlobs.get(hash);
    const want = blobBytes(key);
    if (sha256(want) !== hash)
      problems.push(`blob ${key} (${op}) was acknowledged as ${hash}, its bytes hash to ${sha256(want)}`);
    let got;
    try {
      got = onDisk.has(hash) ? blobs.read(hash) : (view?.bodies.get(hash) ?? null);
    } catch (e) {
      problems.push(`blob ${hash}: read failed: ${e.message}`);
      continue;
    }
    counts.blobsRead++;
    if (got === null || !got.equals(want))
      problems.push(`blob ${hash} (${key}) reads back ${got === null ? 'null' : `${got.length} other bytes`}`);
  }
  exp.knownBlobs = view ? new Set([...onDisk, ...view.blobs]) : onDisk;
}
