import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogStore } from '../../index.mjs';
import { cli, demoDir, oneLine } from './helpers';

function rowCount(dir: string): number {
  const store = createLogStore(join(dir, 'logs.db'));
  try {
    return store.query().length;
  } finally {
    store.close();
  }
}

function archiveFiles(dir: string): string[] {
  const d = join(dir, 'archive', 'logs');
  return existsSync(d) ? readdirSync(d).sort() : [];
}

describe('nerve-store archive', () => {
  it('--dry-run lists the days and rows that would move and changes nothing', () => {
    const dir = demoDir(12);
    const before = rowCount(dir);
    const r = cli(['archive', '--dry-run', '--retention', '5d', '--data', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^day +rows$/m);
    const m = /would archive (\d+) days, (\d+) rows \(dry run: nothing changed\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(6);
    expect(rowCount(dir)).toBe(before);
    expect(archiveFiles(dir)).toEqual([]);
    // The real pass moves exactly what the dry run announced.
    const json = JSON.parse(cli(['archive', '--dry-run', '--retention', '5d', '--json', '--data', dir]).stdout);
    const done = JSON.parse(cli(['archive', '--retention', '5d', '--json', '--data', dir]).stdout);
    expect(done.days.map((d: { day: string; rowCount: number }) => [d.day, d.rowCount])).toEqual(
      json.days.map((d: { day: string; rowCount: number }) => [d.day, d.rowCount]),
    );
    expect(rowCount(dir)).toBe(before - Number(m![2]));
  });

  it('moves old days into JSONL files, --max-days caps a pass, --vacuum vacuums', () => {
    const dir = demoDir(10);
    const before = rowCount(dir);
    const first = cli(['archive', '--retention', '3d', '--max-days', '2', '--data', dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/archived 2 days, \d+ rows moved\n$/);
    expect(archiveFiles(dir)).toHaveLength(2);
    const rest = cli(['archive', '--retention', '3d', '--vacuum', '--data', dir]);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(/archived \d+ days, \d+ rows moved, vacuumed\n$/);
    const files = archiveFiles(dir);
    const archived = files.reduce(
      (n, f) =>
        n +
        readFileSync(join(dir, 'archive', 'logs', f), 'utf8')
          .split('\n')
          .filter((l) => l !== '').length,
      0,
    );
    expect(archived + rowCount(dir)).toBe(before);
    expect(cli(['archive', '--retention', '3d', '--data', dir]).stdout).toBe('nothing to archive\n');
  });

  it('a bad --retention or --max-days is a usage error', () => {
    const dir = demoDir(2);
    for (const args of [
      ['--retention', 'forever'],
      ['--max-days', '-1'],
    ]) {
      const r = cli(['archive', ...args, '--data', dir]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^nerve-store: /);
    }
  });
});
