'use strict';
// search, searchAsync and buildSearchIndex over the native store. Rows cross the boundary as a
// row batch (see rows.js); each entry gets its snippet as a last key.

const { decodeRows, decodeRowsSliced } = require('./rows');

/** `{ entries, next }`: each entry gets its snippet, cut from the page's one snippet text. */
function withSnippets(entries, { snippetText, snippetEnds, next }) {
  let start = 0;
  for (let i = 0; i < entries.length; i++) {
    const end = snippetEnds[i];
    entries[i].snippet = snippetText.slice(start, end);
    start = end;
  }
  return { entries, next };
}

const page = (result) => withSnippets(decodeRows(result.rows), result);
// A page of up to 10,000 rows, built a slice at a time (see rows.js).
const pageSliced = async (result) => withSnippets(await decodeRowsSliced(result.rows), result);

/**
 * The members `createLogStore` adds for search. `promised` turns a synchronous throw into a
 * rejection; `archiveDir` is where `includeArchive` looks.
 */
function searchMembers(native, promised, archiveDir) {
  return {
    /** Rows whose text holds every word of `text`, newest first; see docs/search.md. */
    search(text, options) {
      return page(native.search(text, options, archiveDir));
    },
    searchAsync(text, options) {
      return promised(() => native.searchAsync(text, options, archiveDir).then(pageSliced));
    },
    /**
     * Indexes every row not indexed yet, a step at a time on the thread pool, calling
     * `onProgress({ indexed, total })` after each step. A search does the same by itself; this is
     * for showing progress on a first search over a large database.
     */
    buildSearchIndex(options) {
      return promised(async () => {
        const onProgress = options?.onProgress;
        if (onProgress !== undefined && typeof onProgress !== 'function') {
          const e = new TypeError(
            `The "options.onProgress" argument must be of type function. Received ${typeof onProgress}`,
          );
          e.code = 'ERR_INVALID_ARG_TYPE';
          throw e;
        }
        let indexed = 0;
        for (;;) {
          const step = await native.searchIndexStepAsync();
          indexed += step.indexed;
          onProgress?.({ indexed, total: indexed + step.pending });
          if (step.pending === 0 || step.indexed === 0) return { indexed };
        }
      });
    },
  };
}

module.exports = { searchMembers };
