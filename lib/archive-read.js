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

/**
 * Batches from the native cursor, one at a time, as row objects. With `refill`, the remote's
 * archived days are fetched first (off the JavaScript thread) and the cursor opened again, so it
 * reads them too.
 */
async function* rowsOf(cursor, refill) {
  if (refill && (await refill.fetch()) > 0) cursor = refill.open();
  for (;;) {
    const batch = await cursor.nextBatch();
    if (batch === null) return;
    yield* decodeRows(batch);
  }
}

function archiveReads(native, archiveDir) {
  return {
    /** The archive's day files, oldest first: `[{ day, bytes }]` (and `remote: true` on evicted days). */
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
      const cursor = native.openCursor(filter, options, archiveDir);
      const remote = options?.includeArchive === true && native.remoteStatus().enabled;
      const refill = remote && {
        fetch: () => native.fillRemoteCache(filter),
        open: () => native.openCursor(filter, options, archiveDir),
      };
      return rowsOf(cursor, refill);
    },
  };
}

module.exports = { archiveReads };
