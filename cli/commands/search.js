'use strict';
const { openStore, options, parseTime, parsePositiveInt, table, formatTime, CliError, EXIT } = require('../util');

// Below this many unindexed rows a search just indexes them; above, a bar shows the build.
const BAR_FROM_ROWS = 50_000;

function searchOptions(opts) {
  const o = {};
  if (opts.source !== undefined) o.source = opts.source;
  if (opts.type !== undefined) o.type = opts.type;
  if (opts.ref !== undefined) o.refId = opts.ref;
  const now = Date.now();
  if (opts.since !== undefined) o.since = parseTime(opts.since, '--since', now);
  if (opts.until !== undefined) o.until = parseTime(opts.until, '--until', now);
  if (o.since !== undefined && o.until !== undefined && o.since > o.until) {
    throw new CliError('--since is after --until', EXIT.USAGE);
  }
  o.limit = parsePositiveInt(opts.limit, '--limit');
  // bm25 ranks by an index's statistics, and archived rows are in none (see docs/search.md).
  if (opts.rank && opts.archive) throw new CliError('--rank cannot be combined with --archive', EXIT.USAGE);
  if (opts.rank) o.order = 'rank';
  if (opts.fts) o.syntax = 'fts';
  if (opts.archive) o.includeArchive = true;
  return o;
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Wraps every query word in the snippet in bold yellow (the store returns the snippet plain). */
function highlighter(words) {
  const parts = words.filter((w) => /[\p{L}\p{N}]/u.test(w)).map(escapeRe);
  if (parts.length === 0) return (s) => s;
  const re = new RegExp(`(${parts.join('|')})`, 'giu');
  return (s) => s.replace(re, '\u001b[1;33m$1\u001b[0m');
}

async function buildWithBar(store) {
  const cliProgress = require('cli-progress');
  let bar = null;
  await store.buildSearchIndex({
    onProgress({ indexed, total }) {
      if (bar === null) {
        if (total < BAR_FROM_ROWS) return;
        bar = new cliProgress.SingleBar(
          { format: 'indexing [{bar}] {value}/{total} rows', hideCursor: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      }
      bar.update(indexed);
    },
  });
  bar?.stop();
}

function register(program) {
  program
    .command('search <text...>')
    .description('Full-text search of the log rows (payload text, source, type, ref), newest first.')
    .option('--source <source>', 'only rows of this source')
    .option('--type <type>', 'only rows of this type')
    .option('--ref <refId>', 'only rows with this ref id (a run id, say)')
    .option('--since <time>', 'from this time: ISO date, epoch ms, or a duration back from now (2h, 7d)')
    .option('--until <time>', 'up to this time, same forms as --since')
    .option('-n, --limit <n>', 'rows to show', '20')
    .option('--rank', 'best matches first (bm25) instead of newest first')
    .option('--fts', 'the text is SQLite FTS5 query syntax (AND, OR, NOT, "phrases", prefix*)')
    .option('--archive', 'also search the archive day files (archive/logs), not only logs.db')
    .option('--json', 'one JSON object per line, with its snippet')
    .addHelpText(
      'after',
      `
Every word must occur, matched literally (case and accents ignored); Chinese, Japanese and Korean
words are found inside running text. The first search over a large database builds the index
(logs.search.db beside logs.db), with a progress bar on a terminal. Archived rows are searched
with --archive: the day files in the --since/--until window are read, with the same word rules.

Examples:
  nerve-store search disk full
  nerve-store search ENOSPC --since 7d
  nerve-store search ENOSPC --archive --since 2026-01-01 --until 2026-01-31
  nerve-store search 错误 --source workflow --json
  nerve-store search --fts '"disk full" OR timeout'`,
    )
    .action(async (words, _o, command) => {
      const opts = options(command);
      const searchOpts = searchOptions(opts);
      const store = openStore(command);
      try {
        if (process.stderr.isTTY && !opts.json) await buildWithBar(store);
        const text = words.join(' ');
        let result;
        try {
          result = await store.searchAsync(text, searchOpts);
        } catch (e) {
          if (e.code === 'ERR_SEARCH_SYNTAX') throw new CliError(e.message, EXIT.USAGE);
          throw e;
        }
        const { entries } = result;
        if (opts.json) {
          process.stdout.write(entries.map((r) => `${JSON.stringify(r)}\n`).join(''));
          return;
        }
        if (entries.length === 0) {
          process.stderr.write('no matches\n');
          return;
        }
        const color = process.stdout.isTTY && !process.env.NO_COLOR;
        const mark = color
          ? highlighter(opts.fts ? text.split(/[\s"()*^:]+/) : words.flatMap((w) => w.split(/\s+/)))
          : (s) => s;
        const rows = entries.map((r) => [
          r.id,
          formatTime(r.timestamp),
          r.source,
          r.type,
          r.refId ?? '',
          mark(r.snippet),
        ]);
        process.stdout.write(`${table(['id', 'time (UTC)', 'source', 'type', 'ref', 'match'], rows)}\n`);
        if (result.next !== null) process.stderr.write(`(more: --limit ${searchOpts.limit * 2} shows more)\n`);
      } finally {
        store.close();
      }
    });
}

module.exports = { register };
