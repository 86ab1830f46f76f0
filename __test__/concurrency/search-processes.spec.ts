// Search while other processes write the same logs.db: the reference package on node:sqlite
// appending, and this package appending and archiving (and searching itself, so two processes
// bring the index up to date at once), while this process searches without pause. Each search is
// checked against the writers' ledgers as they stood before it started (search-books.ts): every
// row committed by then is found by a word only it (or its group) contains, unless an archive that
// may have moved it had begun; no row an archive had moved comes back as a hot row; and every
// entry returned is a row a writer wrote, under the id it was given. At the end every row is once
// in the database or the archive, and one search per row finds exactly the rows still in the
// database.
//
// NERVE_SEARCH_SECONDS sets how long the writers run (default 20).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import cliRandom from '../../cli/random.js';
import { createLogStore, type ExtendedLogStore, type LogEntry } from '../../index.mjs';
import { COMMON, groupWord, rowOf, uniqueWord } from './children/search-rows.mjs';
import { type ChildReport, collectErrors, ledger, opsTable, readReport } from './ledger';
import { Books, type Expect, type Row } from './search-books';

const SECONDS = Number(process.env.NERVE_SEARCH_SECONDS ?? 20);
const DAY = 86_400_000;
const CHILDREN = join(__dirname, 'children');
const WRITERS = [
  { name: 'ref', script: 'search-ref-writer.mjs' },
  { name: 'ours', script: 'search-ours-writer.mjs' },
];

const dir = mkdtempSync(join(tmpdir(), 'nerve-search-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runChild(script: string, config: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(CHILDREN, script), JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? -1, stderr: `${signal ?? ''}${stderr}` })),
  );
}

type Page = { entries: Array<LogEntry & { snippet: string }>; next: number | null };

/** The searches and their checks; problems are collected, so one run reports all of them. */
class Searcher {
  problems: string[] = [];
  /** [id, tag] of every entry returned, checked against the final acknowledgements. */
  returned = new Map<number, string>();
  searches = 0;
  /** How many times a row was checked, by what the search had to do with it. */
  checked: Record<Expect, number> = { found: 0, absent: 0, either: 0 };
  private rand = cliRandom.random(Number(process.env.NERVE_SEARCH_SEED ?? 5));

  constructor(
    private store: ExtendedLogStore,
    private books: Books,
  ) {}

  problem(s: string) {
    if (this.problems.length < 50) this.problems.push(s);
  }

  /** One search, sync or async at random, between two snapshots of the ledgers. */
  async run(text: string, options: Record<string, unknown>) {
    const i = this.books.refresh();
    const page = (
      this.rand() < 0.5 ? await this.store.searchAsync(text, options) : this.store.search(text, options)
    ) as Page;
    const j = this.books.refresh();
    this.searches++;
    const what = `search(${text}, ${JSON.stringify(options)})`;
    let previous = Infinity;
    for (const e of page.entries) {
      if (options.order !== 'rank' && !(e.id < previous)) this.problem(`${what}: id ${e.id} after ${previous}`);
      previous = e.id;
      this.entryProblem(e, text, i, j, what);
    }
    return { page, i, j, what };
  }

  /** A returned entry must be a row some writer wrote, holding the word, and not an archived one. */
  private entryProblem(e: LogEntry & { snippet: string }, word: string, i: number, j: number, what: string) {
    let p: { tag: string; g: number; msg: string };
    try {
      p = JSON.parse(e.payload as string);
    } catch {
      return this.problem(`${what}: row ${e.id} has payload ${e.payload}`);
    }
    const { snippet, id, ...columns } = e;
    if (JSON.stringify(columns) !== JSON.stringify(rowOf(p.tag, p.g, e.timestamp)))
      return this.problem(`${what}: row ${id} is not a row a writer wrote: ${JSON.stringify(e)}`);
    if (!p.msg.split(' ').includes(word)) this.problem(`${what}: row ${id} does not hold ${word}`);
    if (typeof snippet !== 'string') this.problem(`${what}: row ${id} has no snippet`);
    const before = this.returned.get(id);
    if (before !== undefined && before !== p.tag) this.problem(`${what}: row ${id} was ${before}, now ${p.tag}`);
    this.returned.set(id, p.tag);
    const known = this.books.byTag.get(p.tag);
    if (known && known.id !== id) this.problem(`${what}: ${p.tag} came back as row ${id}, acknowledged as ${known.id}`);
    if (known && this.books.expect(known, i, j) === 'absent')
      this.problem(`${what}: row ${id} came back as a hot row after an archive moved it`);
  }

  /** Each of `rows` found or not as the books say; `ids` is what the search returned. */
  private account(rows: Row[], ids: Set<number>, i: number, j: number, what: string) {
    for (const r of rows) {
      const want = this.books.expect(r, i, j);
      this.checked[want]++;
      if (want === 'found' && !ids.has(r.id))
        this.problem(`${what}: row ${r.id} (${r.tag}), committed before the search, is missing`);
      if (want === 'absent' && ids.has(r.id)) this.problem(`${what}: row ${r.id} (${r.tag}) was archived`);
    }
  }

  /** Rows by the word only each of them holds. */
  async unique(rows: Row[]) {
    for (const r of rows) {
      const order = this.rand() < 0.2 ? 'rank' : 'time';
      const { page, i, j, what } = await this.run(uniqueWord(r.tag), { limit: 5, order });
      if (page.entries.length > 1) this.problem(`${what}: ${page.entries.length} rows for a unique word`);
      this.account([r], new Set(page.entries.map((e) => e.id)), i, j, what);
    }
  }

  /** The rows one call wrote, by their group word, in one page. */
  async group(r: Row) {
    const { page, i, j, what } = await this.run(groupWord(r.name, r.group), { limit: 10_000 });
    const members = this.books.groups.get(`${r.name}:${r.group}`) as Row[];
    this.account(members, new Set(page.entries.map((e) => e.id)), i, j, what);
  }

  /** The word in every row, two pages newest first: each page holds every hot row of its id span. */
  async common() {
    let before: number | undefined;
    for (let p = 0; p < 2; p++) {
      const { page, i, j, what } = await this.run(COMMON, { limit: 200, ...(before ? { before } : {}) });
      const ids = new Set(page.entries.map((e) => e.id));
      const low = page.next === null ? 0 : (page.entries.at(-1)?.id ?? 0);
      const high = before ?? Infinity;
      if (before !== undefined && page.entries.some((e) => e.id >= before))
        this.problem(`${what}: the next page has ids from before the cursor`);
      this.account(
        this.books.list.filter((r) => r.id >= low && r.id < high),
        ids,
        i,
        j,
        what,
      );
      if (page.next === null) break;
      before = page.next;
    }
  }

  async round() {
    const rows = this.books.sample(2, this.rand);
    await this.unique(rows);
    if (rows.length > 0) await this.group(rows[Math.floor(this.rand() * rows.length)] as Row);
    if (this.rand() < 0.3) await this.common();
    if (this.rand() < 0.05) await this.store.buildSearchIndex();
  }
}

describe('search while other processes append and archive', () => {
  it(
    `${SECONDS} s: every committed row found, no archived row returned, nothing unwritten`,
    async () => {
      const dbPath = join(dir, 'logs.db');
      const store = createLogStore(dbPath) as ExtendedLogStore;
      const settings = {
        dataDir: dir,
        dbPath,
        startAt: Date.now() + 2000,
        durationMs: SECONDS * 1000,
        // A virtual day every 2 s from 2026-01-01; days older than 3 of them are archived.
        dayMs: 2000,
        baseMs: Date.UTC(2026, 0, 1),
        retentionMs: 3 * DAY,
        paceMs: 3,
      };
      const seed = Number(process.env.NERVE_SEARCH_SEED ?? Date.now() % 1e9);
      const configs = WRITERS.map((w, n) => ({
        ...settings,
        name: w.name,
        seed: seed + n,
        ledger: join(dir, `ledger-${w.name}.log`),
        report: join(dir, `report-${w.name}.json`),
      }));
      const books = new Books(
        configs.map((c) => [c.name, c.ledger]),
        settings.retentionMs,
      );
      const searcher = new Searcher(store, books);
      let running = true;
      const exits = Promise.all(WRITERS.map((w, n) => runChild(w.script, configs[n]))).finally(() => {
        running = false;
      });
      while (running) {
        await searcher.round();
        await new Promise((r) => setImmediate(r));
      }
      const crashed = (await exits).flatMap((x, n) => (x.code === 0 ? [] : [`${WRITERS[n].name}: ${x.stderr}`]));
      expect(crashed, crashed.join('\n')).toEqual([]);

      const reports: ChildReport[] = configs.map((c) => readReport(c.report));
      const { busy, other } = collectErrors(reports);
      const acked = new Map(reports.flatMap((r) => r.acks));
      const unacked = [...searcher.returned].filter(([id, tag]) => acked.get(id) !== tag);
      const final = ledger(dbPath, join(dir, 'archive', 'logs'), reports);

      // The end state by brute force: every row still in the database is found by its word
      // alone, no archived one is.
      const hot = new Set(store.query().map((e) => e.id));
      const endProblems: string[] = [];
      for (const [id, tag] of acked) {
        const found = store.search(uniqueWord(tag), { limit: 5 }).entries.map((e) => e.id);
        const want = hot.has(id) ? [id] : [];
        if (JSON.stringify(found) !== JSON.stringify(want) && endProblems.length < 50)
          endProblems.push(`row ${id} (${tag}, ${hot.has(id) ? 'hot' : 'archived'}): search found ${found}`);
      }
      store.close();
      const archiver = reports.find((r) => r.name === 'ours') as ChildReport & { rowsMoved: number };
      console.log(
        [
          `search under other processes: ${SECONDS} s, seed ${seed}`,
          opsTable(reports),
          `searches: ${searcher.searches} during the run, ${acked.size} at the end`,
          `rows checked during the run: ${searcher.checked.found} to be found, ${searcher.checked.absent} to be absent (archived), ${searcher.checked.either} either way`,
          `entries returned and checked: ${searcher.returned.size} distinct rows`,
          `rows acknowledged ${final.acknowledged}: ${final.inDb} in SQLite, ${final.inArchive} archived (${archiver.rowsMoved} moved)`,
          `problems: ${searcher.problems.length} during the run, ${endProblems.length} at the end`,
        ].join('\n'),
      );
      expect(searcher.problems).toEqual([]);
      expect(endProblems).toEqual([]);
      expect(unacked, 'returned rows no writer acknowledged').toEqual([]);
      expect(busy, busy.join('\n')).toEqual([]);
      expect(other, other.join('\n')).toEqual([]);
      expect(final.lost).toEqual([]);
      expect(final.duplicated).toEqual([]);
      expect(final.extra).toEqual([]);
      // The run must have exercised what it claims to.
      expect(searcher.checked.found).toBeGreaterThan(1000);
      expect(searcher.checked.absent).toBeGreaterThan(10);
      expect(final.inArchive).toBeGreaterThan(100);
      expect(reports.find((r) => r.name === 'ref')?.acks.length).toBeGreaterThan(200);
    },
    SECONDS * 1000 + 180_000,
  );
});
