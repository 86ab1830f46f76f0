import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, demoDir, oneLine, tempDir } from './helpers';

function blobFile(dir: string, hash: string): string {
  return join(dir, 'blobs', hash.slice(0, 2), hash.slice(2));
}

describe('nerve-store blob', () => {
  it('put stores a file and prints its sha256; get writes it back to stdout or --out', () => {
    const dir = join(tempDir(), 'data');
    const src = join(tempDir(), 'report.bin');
    const content = Buffer.from([0, 1, 2, 255, 10, 13, 0x80]);
    writeFileSync(src, content);
    const put = cli(['blob', 'put', src, '--data', dir]);
    expect(put.code).toBe(0);
    const hash = createHash('sha256').update(content).digest('hex');
    expect(put.stdout).toBe(`${hash}\n`);
    expect(readFileSync(blobFile(dir, hash))).toEqual(content);
    const out = join(tempDir(), 'sub', 'copy.bin');
    expect(cli(['blob', 'get', hash.toUpperCase(), '--out', out, '--data', dir]).code).toBe(0);
    expect(readFileSync(out)).toEqual(content);
    const text = cli(['blob', 'put', '-', '--data', dir], { input: 'hello\n' });
    expect(text.stdout.trim()).toBe(createHash('sha256').update('hello\n').digest('hex'));
    expect(cli(['blob', 'get', text.stdout.trim(), '--data', dir]).stdout).toBe('hello\n');
  });

  it('get of a missing blob exits 1, of a malformed hash 2; put of a missing file 1', () => {
    const dir = join(tempDir(), 'data');
    const missing = cli(['blob', 'get', 'ab'.repeat(32), '--data', dir]);
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toBe(`nerve-store: no blob ${'ab'.repeat(32)}`);
    const bad = cli(['blob', 'get', 'xyz', '--data', dir]);
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toBe('nerve-store: not a sha256 hex hash: "xyz"');
    const nofile = cli(['blob', 'put', join(dir, 'nope.txt'), '--data', dir]);
    expect(nofile.code).toBe(1);
    expect(oneLine(nofile.stderr)).toMatch(/^nerve-store: ENOENT: no such file or directory/);
  });

  it('verify rehashes every blob: exit 0 when intact, 3 with the damaged ones listed', () => {
    const dir = demoDir(3);
    const ok = cli(['blob', 'verify', '--data', dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^\d+ blobs, .* rehashed: all intact\n$/);
    const put = cli(['blob', 'put', '-', '--data', dir], { input: 'precious' }).stdout.trim();
    appendFileSync(blobFile(dir, put), 'bit rot');
    const bad = cli(['blob', 'verify', '--data', dir]);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain(
      `DAMAGED ${put}: content hashes to ${createHash('sha256').update('preciousbit rot').digest('hex')}`,
    );
    expect(bad.stdout).toMatch(/rehashed: 1 damaged\n$/);
    const json = JSON.parse(cli(['blob', 'verify', '--json', '--data', dir]).stdout);
    expect(json.damaged.map((d: { hash: string }) => d.hash)).toEqual([put]);
  });
});

describe('nerve-store check', () => {
  it('passes on a healthy directory (exit 0)', () => {
    const dir = demoDir(3);
    const r = cli(['check', '--data', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^database .*logs\.db: ok\nblobs: \d+, .* rehashed: all intact\ncheck passed\n$/);
    expect(JSON.parse(cli(['check', '--json', '--data', dir]).stdout).ok).toBe(true);
  });

  it('exits 3 on a damaged blob', () => {
    const dir = demoDir(3);
    const hash = cli(['blob', 'put', '-', '--data', dir], { input: 'x' }).stdout.trim();
    writeFileSync(blobFile(dir, hash), 'y');
    const r = cli(['check', '--data', dir]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`DAMAGED blob ${hash}`);
    expect(r.stdout).toMatch(/check FAILED\n$/);
  });

  it('exits 3 on a damaged database', () => {
    const dir = demoDir(3);
    const db = join(dir, 'logs.db');
    const bytes = readFileSync(db);
    // Scribble over the middle pages of the file (b-tree pages of the tables and indexes).
    const pageSize = bytes.readUInt16BE(16);
    for (let p = 3; p * pageSize < bytes.length - pageSize; p += 2)
      bytes.fill(0x5a, p * pageSize + 8, p * pageSize + 200);
    writeFileSync(db, bytes);
    const r = cli(['check', '--data', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/check FAILED\n$/);
    expect(r.stdout).not.toMatch(/logs\.db: ok/);
  });
});
