import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogStore } from '../../index.mjs';
import { cli, tempDir } from './helpers';

function seeded(): string {
  const dir = join(tempDir(), 'data');
  const store = createLogStore(join(dir, 'logs.db'));
  store.append({
    source: 'daemon',
    type: 'disk',
    refId: 'run-1',
    payload: '{"msg":"disk full: ENOSPC"}',
    timestamp: 1_000,
  });
  store.append({
    source: 'workflow',
    type: 'err',
    refId: 'run-2',
    payload: '{"msg":"数据库连接错误"}',
    timestamp: 2_000,
  });
  store.append({ source: 'daemon', type: 'disk', refId: null, payload: 'disk ok', timestamp: 3_000 });
  store.close();
  return dir;
}

describe('nerve-store search', () => {
  it('prints matches newest first, as JSON lines with --json', () => {
    const dir = seeded();
    const r = cli(['--data', dir, 'search', 'disk', '--json']);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.id)).toEqual([3, 1]);
    expect(rows[1]).toMatchObject({ refId: 'run-1', snippet: 'disk full: ENOSPC' });
  });

  it('filters, finds Chinese words, and shows a table without colour under NO_COLOR', () => {
    const dir = seeded();
    expect(cli(['--data', dir, 'search', 'disk', '--ref', 'run-1', '--json']).stdout.trim().split('\n')).toHaveLength(
      1,
    );
    const r = cli(['--data', dir, 'search', '错误']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('数据库连接错误');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('searches the archive day files too with --archive, not with --rank', () => {
    const dir = seeded();
    const store = createLogStore(join(dir, 'logs.db'));
    store.archiveLogs({ now: 86_400_000, retentionMs: 0 });
    store.close();
    const hot = cli(['--data', dir, 'search', 'disk', '--json']);
    expect(hot.code).toBe(0);
    expect(hot.stdout).toBe('');
    const r = cli(['--data', dir, 'search', 'disk', '--archive', '--json']);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual([3, 1]);
    expect(cli(['--data', dir, 'search', '错误', '--archive']).stdout).toContain('数据库连接错误');
    const both = cli(['--data', dir, 'search', 'disk', '--archive', '--rank']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--rank cannot be combined with --archive');
  });

  it('reports FTS syntax errors as usage errors and no matches on stderr', () => {
    const dir = seeded();
    const bad = cli(['--data', dir, 'search', '--fts', 'disk AND (']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not valid FTS5 syntax');
    const none = cli(['--data', dir, 'search', 'nowhere']);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('no matches\n');
  });
});
