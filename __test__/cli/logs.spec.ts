import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../index.mjs';
import { createLogStore } from '../../index.mjs';
import { cli, cliRunning, demoDir, oneLine } from './helpers';

let dir: string;
let rows: LogEntry[];

beforeAll(() => {
  dir = demoDir(10);
  const store = createLogStore(join(dir, 'logs.db'));
  // The command prints rows by timestamp (then id); the demo appends some out of time order.
  rows = store.query().sort((a, b) => a.timestamp - b.timestamp || a.id! - b.id!);
  store.close();
});

function jsonLines(stdout: string): LogEntry[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('nerve-store logs', () => {
  it('--limit 5 prints the five latest rows as an aligned table, oldest first', () => {
    const r = cli(['logs', '--limit', '5', '--data', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^id +time \(UTC\) +source +type +ref +payload$/);
    const ids = lines.slice(1).map((l) => Number(l.split(/\s+/)[0]));
    expect(ids).toEqual(rows.slice(-5).map((x) => x.id));
    // Aligned: every row starts its time column where the header does.
    const col = lines[0]!.indexOf('time');
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^\d{4}-\d\d-\d\d /);
  });

  it('--json prints LogEntry objects, one per line, and the filters narrow them', () => {
    const all = jsonLines(cli(['logs', '--all', '--json', '--data', dir]).stdout);
    expect(all).toEqual(rows);
    const disk = jsonLines(
      cli(['logs', '--all', '--json', '--source', 'sense', '--type', 'disk_usage', '--data', dir]).stdout,
    );
    expect(disk).toEqual(rows.filter((x) => x.source === 'sense' && x.type === 'disk_usage'));
    const runId = rows.find((x) => x.type === 'started')!.refId!;
    const byRef = jsonLines(cli(['logs', '--all', '--json', '--ref', runId, '--data', dir]).stdout);
    expect(byRef).toEqual(rows.filter((x) => x.refId === runId));
    const mid = rows[Math.floor(rows.length / 2)]!.timestamp;
    const window = jsonLines(
      cli([
        'logs',
        '--all',
        '--json',
        '--since',
        String(mid - 3_600_000),
        '--until',
        new Date(mid).toISOString(),
        '--data',
        dir,
      ]).stdout,
    );
    expect(window).toEqual(rows.filter((x) => x.timestamp >= mid - 3_600_000 && x.timestamp <= mid));
    const limited = jsonLines(cli(['logs', '-n', '3', '--json', '--data', dir]).stdout);
    expect(limited).toEqual(rows.slice(-3));
  });

  it('--limit picks the latest timestamps, not the highest ids', () => {
    const d = demoDir(3, 11);
    const store = createLogStore(join(d, 'logs.db'));
    const late = store.append({
      source: 'sense',
      type: 'late',
      refId: null,
      payload: null,
      timestamp: Date.now() - 30 * 86_400_000,
    });
    const last = store
      .query()
      .sort((a, b) => a.timestamp - b.timestamp || a.id! - b.id!)
      .slice(-2);
    store.close();
    const shown = jsonLines(cli(['logs', '-n', '2', '--json', '--data', d]).stdout);
    expect(shown).toEqual(last);
    expect(shown.map((x) => x.id)).not.toContain(late.id);
    expect(jsonLines(cli(['logs', '-n', '1', '--json', '--type', 'late', '--data', d]).stdout)).toEqual([late]);
    expect(
      jsonLines(cli(['logs', '-n', '1', '--json', '--until', String(late.timestamp), '--data', d]).stdout),
    ).toEqual([late]);
  });

  it('no matching rows prints nothing and exits 0', () => {
    const r = cli(['logs', '--source', 'nobody', '--data', dir]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('bad arguments are usage errors: exit 2, one line', () => {
    for (const args of [
      ['--limit', '0'],
      ['--since', 'yesterday-ish'],
      ['--since', '2026-02-01', '--until', '2026-01-01'],
      ['--nope'],
    ]) {
      const r = cli(['logs', ...args, '--data', dir]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^nerve-store: /);
    }
  });

  it('--follow prints rows appended after it started, and stops on SIGINT with exit 0', async () => {
    const p = cliRunning(['logs', '--follow', '--json', '--source', 'follow-test', '--data', dir]);
    // Let it print the (empty) backlog and start polling.
    await new Promise((r) => setTimeout(r, 700));
    const store = createLogStore(join(dir, 'logs.db'));
    const a = store.append({
      source: 'follow-test',
      type: 'ping',
      refId: null,
      payload: '{"n":1}',
      timestamp: Date.now(),
    });
    store.append({ source: 'other', type: 'ping', refId: null, payload: null, timestamp: Date.now() });
    await p.wait('n\\":1');
    const b = store.append({
      source: 'follow-test',
      type: 'ping',
      refId: null,
      payload: '{"n":2}',
      timestamp: Date.now(),
    });
    store.close();
    await p.wait('n\\":2');
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    expect(jsonLines(p.stdout)).toEqual([a, b]);
  });
});
