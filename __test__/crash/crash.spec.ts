// The kill loop, briefly (the long run is `npm run test:crash`), and proof that its checker
// catches each kind of loss, search index damage included: a checker that found nothing wrong
// with a damaged store would make the long run's "0 losses" mean nothing.
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogStore } from '../../index.mjs';
import { Expectations } from './journal.mjs';
import { runChild, runCrashLoop } from './loop.mjs';
import { CheckCache, checkDir } from './verify.mjs';
import { ALL_WORD, presentOf, rowFor } from './workload.mjs';

describe('crash loop', () => {
  it('12 kills on two data directories: every acknowledged write survives', async () => {
    const t = await runCrashLoop({ kills: 12, perDir: 6, seed: 7 });
    expect(t.problems).toEqual([]);
    expect(t.kills).toBe(12);
    const acks = Object.values(t.acks as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(acks).toBeGreaterThan(1000);
  }, 120_000);
});

describe('the checker finds', () => {
  let base: string;
  let journal: string;
  const present = presentOf(0);

  // One child, killed after a while, gives a data directory with rows in SQLite and in day files,
  // workflow runs and blobs; each case below damages a copy of it.
  beforeAll(async () => {
    // Not the helpers' temp dirs: those go after each test, and these cases share this one.
    base = mkdtempSync(join(tmpdir(), 'nerve-store-crash-check-'));
    const dir = join(base, 'original');
    mkdirSync(dir);
    journal = join(base, 'run-0.log');
    const out = await runChild(dir, journal, 0, 12345, 2500);
    expect(out.killed).toBe(true);
    const exp = new Expectations();
    exp.ingest(readFileSync(journal, 'utf8'));
    const { problems } = checkDir(dir, exp, present, [], new CheckCache());
    expect(problems).toEqual([]);
  }, 60_000);

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /** A copy of the checked directory, the journal's expectations and what the check finds after `damage`. */
  function checkAfter(name: string, damage: (dir: string) => void): string[] {
    const dir = join(base, name);
    cpSync(join(base, 'original'), dir, { recursive: true });
    const exp = new Expectations();
    const { newBlobs } = exp.ingest(readFileSync(journal, 'utf8'));
    damage(dir);
    return checkDir(dir, exp, present, newBlobs, new CheckCache()).problems;
  }

  function dayFiles(dir: string): string[] {
    const d = join(dir, 'archive', 'logs');
    return readdirSync(d)
      .filter((n) => n.endsWith('.jsonl') && readFileSync(join(d, n), 'utf8') !== '')
      .map((n) => join(d, n));
  }

  function blobFiles(dir: string): string[] {
    const root = join(dir, 'blobs');
    return readdirSync(root).flatMap((s) =>
      readdirSync(join(root, s))
        .filter((f) => !f.startsWith('.tmp.'))
        .map((f) => join(root, s, f)),
    );
  }

  it('a lost archive day', () => {
    const problems = checkAfter('lost-day', (dir) => rmSync(dayFiles(dir)[0]));
    expect(problems.some((p) => p.startsWith('LOST: acknowledged row'))).toBe(true);
  });

  it('a row archived twice', () => {
    const problems = checkAfter('twice', (dir) => {
      const file = dayFiles(dir)[0];
      appendFileSync(file, `${readFileSync(file, 'utf8').split('\n')[0]}\n`);
    });
    expect(problems.some((p) => / is twice: /.test(p))).toBe(true);
  });

  it('a row written again under a new id', () => {
    const problems = checkAfter('again', (dir) => {
      const line = readFileSync(dayFiles(dir)[0], 'utf8').split('\n')[0];
      const { payload } = JSON.parse(line);
      const { k, t } = JSON.parse(payload);
      const store = createLogStore(join(dir, 'logs.db'));
      store.append(rowFor(k, t));
      store.close();
    });
    expect(problems.some((p) => / is stored twice: /.test(p))).toBe(true);
  });

  it('a torn archive line', () => {
    const problems = checkAfter('torn', (dir) => {
      const file = dayFiles(dir)[0];
      writeFileSync(file, readFileSync(file, 'utf8').slice(0, -10));
    });
    expect(problems.some((p) => /no newline|not JSON/.test(p))).toBe(true);
  });

  it('a workflow run in a state no call wrote', () => {
    const problems = checkAfter('run', (dir) => {
      const store = createLogStore(join(dir, 'logs.db'));
      const [run] = store.getAllWorkflowRuns(null);
      store.upsertWorkflowRun(rowFor('tamper', present, run.runId), { ...run, timestamp: run.timestamp + 0.5 });
      store.close();
    });
    expect(problems.some((p) => /^workflow run run-\d+ is /.test(p))).toBe(true);
  });

  /** Runs `sql` on the copy's search index with node:sqlite (no store of ours is open then). */
  function onIndex(dir: string, sql: string, ...args: Array<number | string>) {
    const db = new DatabaseSync(join(dir, 'logs.search.db'));
    try {
      db.prepare(sql).run(...args);
    } finally {
      db.close();
    }
  }

  /** The newest acknowledged row still in the copy's logs.db, and its key. */
  function newestHotRow(dir: string): { id: number; key: string } {
    const exp = new Expectations();
    exp.ingest(readFileSync(journal, 'utf8'));
    const db = new DatabaseSync(join(dir, 'logs.db'), { readOnly: true });
    try {
      const has = db.prepare('SELECT 1 FROM logs WHERE id = ?');
      const hot = [...exp.ackedRows].filter(([id]) => has.get(id) !== undefined);
      const [id, { key }] = hot[hot.length - 1] as [number, { key: string }];
      return { id, key };
    } finally {
      db.close();
    }
  }

  it('a row the search index lost', () => {
    let lost = 0;
    const problems = checkAfter('index-lost', (dir) => {
      lost = newestHotRow(dir).id;
      onIndex(dir, 'DELETE FROM search WHERE rowid = ?', lost);
    });
    expect(problems.some((p) => p.startsWith(`search ${ALL_WORD}: row ${lost} (`) && p.endsWith(') not found'))).toBe(
      true,
    );
  });

  it('an index entry that finds a row by words it does not hold', () => {
    const problems = checkAfter('index-wrong', (dir) => {
      const { id } = newestHotRow(dir);
      onIndex(dir, 'DELETE FROM search WHERE rowid = ?', id);
      onIndex(dir, 'INSERT INTO search (rowid, text) VALUES (?, ?)', id, `${ALL_WORD} w0x0`);
    });
    expect(problems.some((p) => /^search w\S+: found \[\], expected \[\d+\]/.test(p))).toBe(true);
  });

  it('a damaged blob and a lost one', () => {
    const problems = checkAfter('blobs', (dir) => {
      const [damaged, lost] = blobFiles(dir);
      writeFileSync(damaged, 'not what it was');
      rmSync(lost);
    });
    expect(problems.some((p) => p.startsWith('DAMAGED: blob'))).toBe(true);
    expect(problems.some((p) => p.startsWith('LOST: acknowledged blob'))).toBe(true);
  });
});
