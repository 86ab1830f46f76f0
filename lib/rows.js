'use strict';
// query() rows from the columns the native side hands over: numbers in a Float64Array, strings
// as indexes into a table of distinct strings, payloads as slices of large text chunks. Building
// the objects here is an order of magnitude cheaper than setting properties through N-API.

const { rowBatchLayout } = require('./native');

// The encoding's constants are the addon's, so the two sides cannot drift apart.
const { nullIndex: NULL_INDEX, special: SPECIAL, columns: COLUMNS } = rowBatchLayout();

/**
 * How long `decodeRowsSliced` builds rows before it lets the event loop turn, and how many rows it
 * builds between looks at the clock. By time, not by a count of rows: the first rows run in the
 * interpreter, many times slower than once the loop is compiled, and a text chunk made a string
 * takes 1-2 ms on its own.
 */
const SLICE_MS = 3;
const BLOCK_ROWS = 512;

/** Where decoding stands: the next row, its text chunk and the next special row. */
function start() {
  return { row: 0, chunk: -1, text: '', nextChunkRow: 0, nextSpecial: 0 };
}

/** Builds rows from `at.row` up to `end` into `out`, and moves `at` past them. */
function decodeInto(batch, at, end, out) {
  const { length, numbers, columns, dict, chunks, texts, chunkStarts, special } = batch;
  let { chunk, text, nextChunkRow, nextSpecial } = at;
  for (let i = at.row, c = at.row * COLUMNS; i < end; i++, c += COLUMNS) {
    if (i === nextChunkRow) {
      chunk++;
      // A sliced batch hands its chunks over one at a time (NativeTextChunks).
      text = chunks !== undefined ? chunks[chunk] : texts.take(chunk);
      nextChunkRow = chunk + 1 < chunkStarts.length ? chunkStarts[chunk + 1] : length;
    }
    const source = columns[c];
    if (source === SPECIAL) {
      out.push(special[nextSpecial++]);
      continue;
    }
    const refId = columns[c + 2];
    const payloadStart = columns[c + 3];
    out.push({
      id: numbers[2 * i],
      source: dict[source],
      type: dict[columns[c + 1]],
      refId: refId === NULL_INDEX ? null : dict[refId],
      payload: payloadStart === NULL_INDEX ? null : text.slice(payloadStart, columns[c + 4]),
      timestamp: numbers[2 * i + 1],
    });
  }
  Object.assign(at, { row: end, chunk, text, nextChunkRow, nextSpecial });
}

/** Log entries in id order, shaped as the reference's `query` returns them. */
function decodeRows(batch) {
  const out = [];
  decodeInto(batch, start(), batch.length, out);
  return out;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The same entries for a result that may be large (queryAsync, readArchiveAsync): built a slice
 * of about SLICE_MS at a time with a turn of the event loop between slices, so timers and I/O
 * wait at most one slice however many rows there are. A small result is built at once.
 */
async function decodeRowsSliced(batch) {
  const out = [];
  const at = start();
  for (;;) {
    const until = performance.now() + SLICE_MS;
    do decodeInto(batch, at, Math.min(batch.length, at.row + BLOCK_ROWS), out);
    while (at.row < batch.length && performance.now() < until);
    if (at.row === batch.length) return out;
    await turn();
  }
}

module.exports = { decodeRows, decodeRowsSliced };
