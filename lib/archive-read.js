'use strict';
// The archive's reads and `iterate`, merged into the object createLogStore returns.
const { decodeRows, decodeRowsSliced } = require('./rows');

/** Runs `start` (which may throw synchronously) and always returns its promise. */
function promised(start) {
  try {
    return start();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Batches from the native cursor, one at a time, as row objects. */
async function* rowsOf(cursor) {
  for (;;) {
    const batch = await cursor.nextBatch();
    if (batch === null) return;
    yield* decodeRows(batch);
  }
}

function archiveReads(native, archiveDir) {
  return {
    /** The archive's day files, oldest first: `[{ day, bytes }]`. */
    listArchiveDays() {
      return native.listArchiveDays(archiveDir);
    },
    /** Archived rows matching `filter`, as `query` matches database rows. */
    readArchive(filter) {
      return decodeRows(native.readArchive(filter, archiveDir));
    },
    readArchiveAsync(filter) {
      return promised(() => native.readArchiveAsync(filter, archiveDir).then(decodeRowsSliced));
    },
    /**
     * Matching rows as an async iterator, a batch at a time: the archive's first (with
     * `includeArchive`), then the database's. Bad arguments throw here, not at the first `next()`.
     */
    iterate(filter, options) {
      return rowsOf(native.openCursor(filter, options, archiveDir));
    },
  };
}

module.exports = { archiveReads };
