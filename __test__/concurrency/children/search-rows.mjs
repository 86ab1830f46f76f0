// The rows of the search test and its ledger files, shared by the writers and the spec. A row's
// words are made from its tag alone, so the spec can tell from a returned entry whether it is a
// row some writer wrote, and which words find it:
//   COMMON          in every row
//   u<name>x<n>     in row <name>:<n> only
//   g<name>x<group> in the rows one call (or one run of appends) wrote together
// Ledger lines, each written with one write(2) right after the store acknowledged it:
//   a <id> <tag> <group> <timestamp>     a committed row
//   s <k> <now>                          archive call k starts with this `now`
//   e <k> <day,day|->                    archive call k returned these days
import { openSync, writeSync } from 'node:fs';

export const COMMON = 'kestrel';
const SOURCES = { ref: 'refwriter', ours: 'ourwriter' };

export const uniqueWord = (tag) => `u${tag.replace(':', 'x')}`;
export const groupWord = (name, group) => `g${name}x${group}`;

/** The entry the writer of `tag` appends for it. */
export function rowOf(tag, group, timestamp) {
  const name = tag.slice(0, tag.indexOf(':'));
  return {
    source: SOURCES[name],
    type: 'note',
    refId: null,
    payload: JSON.stringify({ tag, g: group, msg: `${COMMON} ${uniqueWord(tag)} ${groupWord(name, group)}` }),
    timestamp,
  };
}

/** Appends ledger lines to `path`; a line the reader sees is something already acknowledged. */
export function ledgerWriter(path) {
  const fd = openSync(path, 'a');
  const line = (s) => writeSync(fd, `${s}\n`);
  return {
    row(entry) {
      const p = JSON.parse(entry.payload);
      line(`a ${entry.id} ${p.tag} ${p.g} ${entry.timestamp}`);
    },
    archiveStart(k, now) {
      line(`s ${k} ${now}`);
    },
    archiveEnd(k, result) {
      line(`e ${k} ${result.days.map((d) => d.day).join(',') || '-'}`);
    },
  };
}
