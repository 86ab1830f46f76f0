// A process killed while writing a blob or an archive day leaves a `.tmp.*` file behind. These
// are not data: the command must neither count them nor call the directory damaged.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, demoDir } from './helpers';

describe('temporary files left by killed writes', () => {
  it('are not blobs or archive days for stats and check', () => {
    const dir = demoDir(3);
    const before = JSON.parse(cli(['stats', '--json', '--data', dir]).stdout);
    const shard = readdirSync(join(dir, 'blobs')).find((n) => /^[0-9a-f]{2}$/.test(n))!;
    writeFileSync(join(dir, 'blobs', shard, '.tmp.Xy12Ab'), 'half a blob');
    writeFileSync(join(dir, 'blobs', '.tmp.Qw34Er'), 'a writeFile copy');
    mkdirSync(join(dir, 'archive', 'logs'), { recursive: true });
    writeFileSync(join(dir, 'archive', 'logs', '.tmp.Zx56Cv'), '{"id":1,"sou');
    const after = JSON.parse(cli(['stats', '--json', '--data', dir]).stdout);
    expect(after.blobs).toBe(before.blobs);
    expect(after.blobBytes).toBe(before.blobBytes);
    expect(after.archive).toEqual(before.archive);
    const check = cli(['check', '--json', '--data', dir]);
    expect(check.code).toBe(0);
    const report = JSON.parse(check.stdout);
    expect(report.ok).toBe(true);
    expect(report.blobs.count).toBe(before.blobs);
    expect(report.blobs.stray).toHaveLength(2);
  });
});
