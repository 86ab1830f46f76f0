'use strict';
// query() rows from the columns the native side hands over: numbers in a Float64Array, strings
// as indexes into a table of distinct strings, payloads as slices of large text chunks (one-byte
// or two-byte strings; a row's chunk is its last column). Building the objects here is an order
// of magnitude cheaper than setting properties through N-API.

const { rowBatchLayout } = require('./native');

// The encoding's constants are the addon's, so the two sides cannot drift apart.
const { nullIndex: NULL_INDEX, special: SPECIAL, columns: COLUMNS } = rowBatchLayout();

/**
 * How long `decodeRowsSliced` builds rows before it lets the event loop turn, and how many rows it
 * builds between looks at the clock. By time, not by a count of rows: the first rows run in the
 * interpreter, many times slower than once the loop is compiled, and a text chunk that V8 copies
 * instead of keeping as an external string takes 1-2 ms on its own.
 */
const SLICE_MS = 2;
const BLOCK_ROWS = 256;
/**
 * A turn of the loop that took longer than this between two slices held the loop with something
 * else (mostly V8's scavenges of the rows built so far, which run as tasks in the poll phase and
 * take 10-20 ms when every row survives). Building the next slice at once would add it to that
 * wait, before timers had their turn, so the slice waits one more turn first.
 */
const HELD_MS = 2;
/**
 * Short-lived filler allocated after each block of a sliced build, in array slots (8 bytes each):
 * about three times the young-generation bytes of the block's rows, and under V8's largest
 * young-generation object (128 KiB), so it is young garbage. A scavenge copies what survives, and
 * every row built survives: with the young generation full of rows a scavenge held the loop
 * 15-30 ms (twice that while a full collection marks); with three quarters of it garbage each
 * copies a quarter as much, and they come four times as often, at about the same total cost.
 */
const FILLER_SLOTS = 15000;
/**
 * A sliced build sizes its array once, up to this many rows (V8 keeps an array this long in fast
 * elements; far longer ones start as a dictionary). Grown by push, a million-row array is copied
 * into a new backing store 1.5 times the size each time it fills: 24 MiB allocated and copied
 * for an 8 MiB result, the last 9 MiB step in one go near the end, most of it in first touches
 * of fresh memory.
 */
const PRESIZE_MAX = 1 << 24;

/**
 * Where decoding stands: the next row, the next special row, the chunks made strings so far, and
 * the latest filler (held here so the allocation is not optimized away; the one before is garbage).
 */
function start(batch) {
  return { row: 0, nextSpecial: 0, strings: batch.chunks ?? [], filler: null };
}

/** Builds rows from `at.row` up to `end` into `out` at their own indexes, and moves `at` past them. */
function decodeInto(batch, at, end, out) {
  const { numbers, columns, dict, texts, special } = batch;
  const { strings } = at;
  let { nextSpecial } = at;
  for (let i = at.row, c = at.row * COLUMNS; i < end; i++, c += COLUMNS) {
    const source = columns[c];
    if (source === SPECIAL) {
      out[i] = special[nextSpecial++];
      continue;
    }
    const refId = columns[c + 2];
    const payloadStart = columns[c + 3];
    let payload = null;
    if (payloadStart !== NULL_INDEX) {
      const chunk = columns[c + 5];
      // A sliced batch hands its chunks over one at a time, when a row first needs one
      // (NativeTextChunks).
      let text = strings[chunk];
      if (text === undefined) {
        text = texts.take(chunk);
        strings[chunk] = text;
      }
      payload = text.slice(payloadStart, columns[c + 4]);
    }
    out[i] = {
      id: numbers[2 * i],
      source: dict[source],
      type: dict[columns[c + 1]],
      refId: refId === NULL_INDEX ? null : dict[refId],
      payload,
      timestamp: numbers[2 * i + 1],
    };
  }
  at.row = end;
  at.nextSpecial = nextSpecial;
}

/** Log entries in id order, shaped as the reference's `query` returns them. */
function decodeRows(batch) {
  const out = [];
  decodeInto(batch, start(batch), batch.length, out);
  return out;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The same entries for a result that may be large (queryAsync, readArchiveAsync): built a slice
 * of about SLICE_MS at a time with a turn of the event loop between slices, so timers and I/O
 * wait at most one slice however many rows there are. A small result is built at once.
 */
async function decodeRowsSliced(batch) {
  const out = batch.length <= PRESIZE_MAX ? new Array(batch.length) : [];
  const at = start(batch);
  let yielded = performance.now();
  for (;;) {
    const from = performance.now();
    if (from - yielded > HELD_MS) {
      yielded = from;
      await turn();
      continue;
    }
    const until = from + SLICE_MS;
    do {
      decodeInto(batch, at, Math.min(batch.length, at.row + BLOCK_ROWS), out);
      at.filler = new Array(FILLER_SLOTS);
    } while (at.row < batch.length && performance.now() < until);
    at.filler = null;
    if (at.row === batch.length) return out;
    yielded = performance.now();
    await turn();
  }
}

module.exports = { decodeRows, decodeRowsSliced };
