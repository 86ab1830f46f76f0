// What the crash child writes, as pure functions of a key, so the checker can tell from a row or
// a blob alone what it must hold: a row's columns are repeated in its payload, and a blob's
// bytes are generated from its key.
import { createHash } from 'node:crypto';

export const DAY = 86_400_000;
/** 2026-01-01T00:00:00Z: the first day the workload writes to. */
export const T0 = Date.UTC(2026, 0, 1);
/** Rows younger than this stay in SQLite, in the child's archives and the checker's. */
export const RETENTION_MS = DAY;

/** The simulated "now" of run `r` of a data directory: one day later per run. */
export function presentOf(run) {
  return T0 + (run + 3) * DAY;
}

const SOURCES = ['daemon', 'workflow', 'hook', 'cli'];
/** A word in every row the workload writes: a search for it pages through every hot row. */
export const ALL_WORD = 'crashrow';

/** The word only the row of `key` holds: keys are digits and dots, so it is one token. */
export function wordOf(key) {
  return `w${key.replaceAll('.', 'x')}`;
}
const TYPES = ['heartbeat', 'status', 'thread_workflow_message', 'note'];

function keyHash(key) {
  return createHash('sha256').update(key).digest();
}

/**
 * The log row for `key` at `timestamp`: every column is also in the payload, with padding of a
 * length that the key decides, so a line of any length is checked the same way, and the words a
 * search finds it by.
 */
export function rowFor(key, timestamp, refId = null) {
  const h = keyHash(key);
  const source = SOURCES[h[0] % SOURCES.length];
  const type = TYPES[h[1] % TYPES.length];
  const pad = 'x'.repeat(h[2] < 16 ? 2000 + h[3] * 8 : h[3]);
  return {
    source,
    type,
    refId,
    payload: JSON.stringify({
      k: key,
      s: source,
      y: type,
      r: refId,
      t: timestamp,
      w: `${wordOf(key)} ${ALL_WORD}`,
      p: pad,
    }),
    timestamp,
  };
}

/**
 * Why `row` (with its id) is not a row the workload wrote, or `null` when it is one: the columns
 * must match the payload, and the payload what `rowFor` makes of its key.
 */
export function rowProblem(row) {
  let p;
  try {
    p = JSON.parse(row.payload);
  } catch {
    return `row ${row.id}: payload is not JSON`;
  }
  if (typeof p?.k !== 'string') return `row ${row.id}: payload has no key`;
  const want = rowFor(p.k, p.t, p.r);
  for (const col of ['source', 'type', 'refId', 'payload', 'timestamp']) {
    if (row[col] !== want[col])
      return `row ${row.id} (${p.k}): ${col} is ${JSON.stringify(row[col])}, expected ${JSON.stringify(want[col])}`;
  }
  return null;
}

export function keyOf(row) {
  return JSON.parse(row.payload).k;
}

/** Blob sizes: mostly small, some of a few hundred KiB, a few of 1-3 MiB (long writes). */
function blobSize(h) {
  const pick = h[0];
  if (pick < 180) return (h[1] << 4) | (h[2] & 15);
  if (pick < 245) return 4096 + ((h[1] << 10) | (h[2] << 2));
  return (1 << 20) + ((h[1] << 13) | (h[2] << 5));
}

/** Bytes from a xorshift generator seeded by the key. */
function generated(key) {
  const h = keyHash(key);
  const size = blobSize(h);
  const out = Buffer.allocUnsafe(size);
  let x = h.readUInt32LE(4) | 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeInt32LE(x | 0, i);
  }
  for (; i < size; i++) out[i] = (x >>> (8 * (i & 3))) & 255;
  return out;
}

/** What the child passes to `write`: text (UTF-8, not all ASCII) for keys starting with `T`. */
export function blobInput(key) {
  return key.startsWith('T') ? `${generated(key).toString('base64')} \u00fcn\u00efc\u00f8d\u00e9` : generated(key);
}

/** The bytes blob `key` holds. */
export function blobBytes(key) {
  return Buffer.from(blobInput(key));
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}
