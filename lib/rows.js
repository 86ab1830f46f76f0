'use strict';
// query() rows from the columns the native side hands over: numbers in a Float64Array, strings
// as indexes into a table of distinct strings, payloads as slices of large text chunks (one-byte
// or two-byte strings; a row's chunk is its last column). Building the objects here is an order
// of magnitude cheaper than setting properties through N-API.

const { rowBatchLayout } = require('./native');

// The encoding's constants are the addon's, so the two sides cannot drift apart.
const { nullIndex: NULL_INDEX, special: SPECIAL, columns: COLUMNS } = rowBatchLayout();

/** Log entries in id order, shaped as the reference's `query` returns them. */
function decodeRows(batch) {
  const { length, numbers, columns, dict, chunks, special } = batch;
  const out = [];
  let nextSpecial = 0;
  for (let i = 0, c = 0; i < length; i++, c += COLUMNS) {
    const source = columns[c];
    if (source === SPECIAL) {
      out.push(special[nextSpecial++]);
      continue;
    }
    const refId = columns[c + 2];
    const start = columns[c + 3];
    out.push({
      id: numbers[2 * i],
      source: dict[source],
      type: dict[columns[c + 1]],
      refId: refId === NULL_INDEX ? null : dict[refId],
      payload: start === NULL_INDEX ? null : chunks[columns[c + 5]].slice(start, columns[c + 4]),
      timestamp: numbers[2 * i + 1],
    });
  }
  return out;
}

module.exports = { decodeRows };
