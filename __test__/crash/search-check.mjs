// The search checks after a kill (the child searches and builds the index between its writes, so
// kills land in the middle of indexing): the index file is sound, a search for the word in every
// row pages through every row of logs.db exactly once and nothing else, a sample of rows is each
// found by its own word alone (and archived ones are not), and a word no row holds finds nothing.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ALL_WORD, keyOf, wordOf } from './workload.mjs';

const require = createRequire(import.meta.url);
const { integrityCheck } = require('../../lib/native.js');
const { random } = require('../../cli/random.js');

/** Rows searched by their own word per check: the newest acknowledged ones and others at random. */
const NEWEST = 60;
const RANDOM = 60;
const ARCHIVED = 30;

const rnd = random(11);

function sample(list, n) {
  return list.length <= n ? list : Array.from({ length: n }, () => list[Math.floor(rnd() * list.length)]);
}

/**
 * `where`: id -> { at: 'logs.db' or a day, key } for every row found in the database and the
 * archive; `acked`: id -> { key } of every acknowledged row, in the order the journals gave them.
 */
export function checkSearch(store, dataDir, where, acked, problems, counts) {
  const indexFile = join(dataDir, 'logs.search.db');
  const hot = new Map();
  for (const [id, w] of where) if (w.at === 'logs.db') hot.set(id, w.key);

  // Every row of logs.db once, newest first, by the word they all hold (the search first indexes
  // whatever the killed child left unindexed).
  const seen = new Set();
  let before;
  let last = Infinity;
  for (;;) {
    const page = store.search(ALL_WORD, { limit: 10_000, ...(before === undefined ? {} : { before }) });
    counts.searches++;
    for (const e of page.entries) {
      if (!(e.id < last)) problems.push(`search ${ALL_WORD}: row ${e.id} after ${last}`);
      last = e.id;
      if (seen.has(e.id)) problems.push(`search ${ALL_WORD}: row ${e.id} returned twice`);
      seen.add(e.id);
      const key = hot.get(e.id);
      if (key === undefined) problems.push(`search ${ALL_WORD}: returned row ${e.id}, which is not in logs.db`);
      else if (keyOf(e) !== key) problems.push(`search ${ALL_WORD}: row ${e.id} holds ${keyOf(e)}, not ${key}`);
    }
    if (page.next === null) break;
    before = page.next;
  }
  for (const [id, key] of hot) if (!seen.has(id)) problems.push(`search ${ALL_WORD}: row ${id} (${key}) not found`);
  counts.searchRows += seen.size;

  // Rows by their own word: found once if in logs.db, not at all if archived.
  // `acked` is in journal order, so the last ones are the newest.
  const ackedIds = [...acked.keys()];
  const inDb = ackedIds.filter((id) => where.get(id)?.at === 'logs.db');
  const archived = ackedIds.filter((id) => where.get(id) !== undefined && where.get(id).at !== 'logs.db');
  const own = [...inDb.slice(-NEWEST), ...sample(inDb, RANDOM), ...sample(archived, ARCHIVED)];
  for (const id of own) {
    const { key, at } = where.get(id);
    const ids = store.search(wordOf(key), { limit: 5 }).entries.map((e) => e.id);
    counts.searches++;
    const want = at === 'logs.db' ? [id] : [];
    if (ids.join() !== want.join())
      problems.push(`search ${wordOf(key)}: found [${ids}], expected [${want}] (row ${id} is in ${at})`);
    if (at === 'logs.db') counts.searchFound++;
    else counts.searchArchived++;
  }
  const none = store.search(wordOf('999999.999999'), { limit: 5 }).entries;
  counts.searches++;
  if (none.length > 0) problems.push(`a word no row holds found rows ${none.map((e) => e.id)}`);

  if (existsSync(indexFile)) {
    const integrity = integrityCheck(indexFile);
    if (integrity.length !== 1 || integrity[0] !== 'ok')
      problems.push(`integrity_check of the index: ${integrity.join('; ')}`);
  }
}
