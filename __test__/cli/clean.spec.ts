// `nerve-store clean`: temporary files left by interrupted writes are listed, and with --yes
// removed once they are old enough and no process has them open; `check` reports them as a
// warning, never as damage.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, demoDir } from './helpers';

function leftovers(dir: string) {
  const shard = readdirSync(join(dir, 'blobs')).find((n) => /^[0-9a-f]{2}$/.test(n))!;
  mkdirSync(join(dir, 'archive', 'logs'), { recursive: true });
  const files = {
    oldShard: join(dir, 'blobs', shard, '.tmp.Old111'),
    oldArchive: join(dir, 'archive', 'logs', '.tmp.Old222'),
    recentRoot: join(dir, 'blobs', '.tmp.New333'),
    oldOpen: join(dir, 'blobs', shard, '.tmp.Open44'),
  };
  for (const f of Object.values(files)) writeFileSync(f, 'half a write');
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
  for (const f of [files.oldShard, files.oldArchive, files.oldOpen]) utimesSync(f, twoHoursAgo, twoHoursAgo);
  return files;
}

describe('nerve-store clean', () => {
  it('lists temporary files and removes nothing without --yes', () => {
    const dir = demoDir(3);
    const files = leftovers(dir);
    const r = cli(['clean', '--data', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/4 temporary file\(s\): 3 abandoned .*1 open or newer than 1h; run with --yes/);
    for (const f of Object.values(files)) expect(existsSync(f)).toBe(true);
  });

  it('with --yes removes the old ones that no process has open', () => {
    const dir = demoDir(3);
    const files = leftovers(dir);
    const fd = openSync(files.oldOpen, 'r+'); // a live writer's file, as far as /proc can tell
    try {
      const listed = JSON.parse(cli(['clean', '--json', '--data', dir]).stdout);
      const byFile = Object.fromEntries(listed.files.map((f: { file: string }) => [f.file, f]));
      expect(byFile[files.oldOpen]).toMatchObject({
        open: process.platform === 'linux',
        removable: process.platform !== 'linux',
      });
      expect(byFile[files.recentRoot]).toMatchObject({ removable: false });

      const r = cli(['clean', '--yes', '--data', dir]);
      expect(r.code).toBe(0);
      expect(existsSync(files.oldShard)).toBe(false);
      expect(existsSync(files.oldArchive)).toBe(false);
      expect(existsSync(files.recentRoot)).toBe(true);
      if (process.platform === 'linux') {
        expect(existsSync(files.oldOpen)).toBe(true);
        expect(r.stdout).toMatch(/removed 2 temporary file\(s\), .*; kept 2 \(open or newer than 1h\)/);
        // --older-than 0: the recent one goes too; the open one still stays.
        expect(cli(['clean', '--yes', '--older-than', '0', '--data', dir]).code).toBe(0);
        expect(existsSync(files.recentRoot)).toBe(false);
        expect(existsSync(files.oldOpen)).toBe(true);
      }
    } finally {
      closeSync(fd);
    }
    expect(cli(['clean', '--yes', '--older-than', '0', '--data', dir]).code).toBe(0);
    expect(JSON.parse(cli(['clean', '--json', '--data', dir]).stdout).files).toEqual([]);
    expect(cli(['clean', '--data', dir]).stdout).toMatch(/^no temporary files in /);
    // Blobs and archive days are untouched.
    const check = JSON.parse(cli(['check', '--json', '--data', dir]).stdout);
    expect(check.ok).toBe(true);
    expect(check.blobs.damaged).toEqual([]);
    expect(check.temporary.count).toBe(0);
  });

  it('is reported by check as a warning, not damage', () => {
    const dir = demoDir(3);
    leftovers(dir);
    const json = cli(['check', '--json', '--data', dir]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(true);
    expect(report.temporary).toMatchObject({ count: 4, abandoned: 3, bytes: 4 * 'half a write'.length });
    const text = cli(['check', '--data', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /warning: 4 temporary file\(s\), 48 B, left by interrupted writes \(3 abandoned; not damage; see nerve-store clean\)\ncheck passed\n$/,
    );
  });

  it('explains how it decides, and rejects a bad duration', () => {
    const help = cli(['clean', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--older-than/);
    expect(help.stdout).toMatch(/\/proc\/<pid>\/fd/);
    const dir = demoDir(3);
    const bad = cli(['clean', '--older-than', 'soon', '--data', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--older-than: expected a duration/);
    const missing = cli(['clean', '--data', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no data directory/);
  });
});
