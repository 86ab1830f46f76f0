import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../index.mjs';
import { createBlobStore } from '../../index.mjs';
import { tempDir, thrown } from './helpers';

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

function blobs(): { root: string; dir: string; b: Required<BlobStore> } {
  const dir = tempDir();
  const root = join(dir, 'blobs');
  return { root, dir, b: createBlobStore(root) as Required<BlobStore> };
}

/** Every file under root (shards and stray temporary files), as relative paths. */
function tree(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) {
      out.push(entry.name);
      continue;
    }
    for (const f of readdirSync(join(root, entry.name)).sort()) out.push(`${entry.name}/${f}`);
  }
  return out;
}

/** Bytes that differ from chunk to chunk, so a misplaced chunk changes the hash. */
function pattern(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) buf.writeUInt32LE(Math.imul(i + seed, 2654435761) >>> 0, i);
  return buf;
}

/** The rejection of `p` (fails the test when it resolves). */
async function rejection(
  p: Promise<unknown>,
): Promise<Error & { code?: string; errno?: number; syscall?: string; path?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

async function expectArgRejection(call: () => Promise<unknown>, arg: string): Promise<void> {
  let p: Promise<unknown> | undefined;
  expect(() => {
    p = call();
  }, 'rejects instead of throwing').not.toThrow();
  expect(p).toBeInstanceOf(Promise);
  const e = await rejection(p!);
  expect(e).toBeInstanceOf(TypeError);
  expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
  expect(e.message).toContain(`"${arg}"`);
}

/** Damages the stored blob `h` under `root`. */
function damage(root: string, h: string, bytes: string | Uint8Array = 'y'): string {
  const file = join(root, h.slice(0, 2), h.slice(2));
  writeFileSync(file, bytes);
  return file;
}

describe('createBlobStore: writeAsync and readAsync', () => {
  it('give what write and read give', async () => {
    const { root, b } = blobs();
    const text = 'héllo wörld 😀';
    const h = sha(Buffer.from(text));
    const pending = b.writeAsync(text);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(h);
    expect(await b.writeAsync(Buffer.from(text))).toBe(h);
    expect(await b.writeAsync(new Uint8Array(Buffer.from(text)))).toBe(h);
    expect(await b.writeAsync(Buffer.from('0123456789').subarray(5))).toBe(sha('56789'));
    expect(await b.writeAsync('')).toBe(b.write(''));
    expect(await b.writeAsync('a\ud800b')).toBe(b.write('a\ud800b'));
    const surrogate = sha(Buffer.from('a\ud800b'));
    expect(tree(root)).toEqual(
      [h, sha('56789'), sha(''), surrogate].map((x) => `${x.slice(0, 2)}/${x.slice(2)}`).sort(),
    );

    const got = await b.readAsync(` ${h.toUpperCase()}\n`);
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(got!.toString('utf8')).toBe(text);
    expect((await b.readAsync(sha('')))!.length).toBe(0);
    for (const missing of ['0'.repeat(64), 'zz', '', '../../etc/passwd']) expect(await b.readAsync(missing)).toBeNull();
  });

  it('large blobs round-trip, each read a fresh Buffer', async () => {
    const { b } = blobs();
    const big = pattern(3 * MiB + 5, 1);
    const h = await b.writeAsync(big);
    expect(h).toBe(sha(big));
    const a = await b.readAsync(h);
    expect(a!.equals(big)).toBe(true);
    expect(b.read(h)!.equals(big)).toBe(true);
    a![0] ^= 1;
    expect((await b.readAsync(h))!.equals(big)).toBe(true);
  });

  it('writeAsync copies the bytes when called: the caller may reuse its buffer', async () => {
    const { b } = blobs();
    const buf = pattern(2 * MiB, 2);
    const original = Buffer.from(buf);
    const pending = b.writeAsync(buf);
    buf.fill(0);
    const h = await pending;
    expect(h).toBe(sha(original));
    expect(b.read(h)!.equals(original)).toBe(true);
  });

  it('concurrent writes of the same content all resolve to one blob', async () => {
    const { root, b } = blobs();
    const content = pattern(MiB, 3);
    const hashes = await Promise.all(Array.from({ length: 8 }, () => b.writeAsync(content)));
    expect(new Set(hashes)).toEqual(new Set([sha(content)]));
    expect(tree(root)).toEqual([`${hashes[0]!.slice(0, 2)}/${hashes[0]!.slice(2)}`]);
  });

  it('a damaged blob rejects with ERR_BLOB_MISMATCH, as read and write throw', async () => {
    const { root, b } = blobs();
    const h = b.write('x');
    const file = damage(root, h);
    const expected = `Blob CAS mismatch at "${file}": file digests to ${sha('y')}, path expects ${h}`;
    const r = await rejection(b.readAsync(h));
    expect(r).toBeInstanceOf(Error);
    expect(r.code).toBe('ERR_BLOB_MISMATCH');
    expect(r.message).toBe(expected);
    expect(r.message).toBe(thrown(() => b.read(h)).message);
    const w = await rejection(b.writeAsync('x'));
    expect(w.code).toBe('ERR_BLOB_MISMATCH');
    expect(w.message).toBe(expected);
    expect(readFileSync(file, 'utf8')).toBe('y');
  });

  it('file-system errors carry code, errno, syscall and path', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    const b = createBlobStore(join(dir, 'file')) as Required<BlobStore>;
    const e = await rejection(b.writeAsync('x'));
    const s = thrown(() => b.write('x')) as typeof e;
    expect(e.code).toBe(s.code);
    expect(e.message).toBe(s.message);
    expect([e.errno, e.syscall, e.path]).toEqual([s.errno, s.syscall, s.path]);
    expect(e.syscall).toBe('mkdir');
  });

  it('bad arguments reject (never throw) with a TypeError naming the argument', async () => {
    const { root, b } = blobs();
    for (const bad of [5, null, undefined, {}, [1, 2], true])
      await expectArgRejection(() => b.writeAsync(bad as any), 'content');
    for (const bad of [5, null, undefined]) await expectArgRejection(() => b.readAsync(bad as any), 'hash');
    expect(existsSync(root)).toBe(false);
  });
});

describe('createBlobStore: writeFile and readToFile', () => {
  it('writeFile of a file larger than the chunk size stores what write stores', async () => {
    const { root, dir, b } = blobs();
    const data = pattern(20 * MiB + 3, 4);
    const src = join(dir, 'big.bin');
    writeFileSync(src, data);
    const h = await b.writeFile(src);
    expect(h).toBe(sha(data));
    expect(h).toBe(b.write(data));
    expect(readFileSync(join(root, h.slice(0, 2), h.slice(2))).equals(data)).toBe(true);
    // Again, the existing blob is verified and the copy discarded: no temporary file remains.
    expect(await b.writeFile(src)).toBe(h);
    expect(tree(root)).toEqual([`${h.slice(0, 2)}/${h.slice(2)}`]);
    const out = join(dir, 'out.bin');
    expect(await b.readToFile(h, out)).toBe(true);
    expect(readFileSync(out).equals(data)).toBe(true);
  });

  it('writeFile of small and empty files', async () => {
    const { dir, b } = blobs();
    writeFileSync(join(dir, 'small'), 'hello');
    writeFileSync(join(dir, 'empty'), '');
    expect(await b.writeFile(join(dir, 'small'))).toBe(sha('hello'));
    expect(await b.writeFile(join(dir, 'empty'))).toBe(sha(''));
    expect(b.read(sha('hello'))!.toString()).toBe('hello');
  });

  it('writeFile verifies an existing blob and rejects when it is damaged', async () => {
    const { root, dir, b } = blobs();
    const h = b.write('data');
    damage(root, h, 'evil');
    writeFileSync(join(dir, 'src'), 'data');
    const e = await rejection(b.writeFile(join(dir, 'src')));
    expect(e.code).toBe('ERR_BLOB_MISMATCH');
    expect(tree(root)).toEqual([`${h.slice(0, 2)}/${h.slice(2)}`]);
  });

  it('writeFile of a missing file rejects with ENOENT worded as node:fs words it', async () => {
    const { root, dir, b } = blobs();
    const missing = join(dir, 'missing');
    const e = await rejection(b.writeFile(missing));
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe(`ENOENT: no such file or directory, open '${missing}'`);
    expect([e.code, e.errno, e.syscall, e.path]).toEqual(['ENOENT', -2, 'open', missing]);
    expect(tree(root)).toEqual([]);
  });

  it('readToFile copies a blob, replacing the destination, and leaves no temporary file', async () => {
    const { dir, b } = blobs();
    const data = pattern(MiB + 17, 5);
    const h = b.write(data);
    const outDir = join(dir, 'out');
    mkdirSync(outDir);
    const dest = join(outDir, 'copy.bin');
    writeFileSync(dest, 'old');
    expect(await b.readToFile(`\t${h.toUpperCase()} `, dest)).toBe(true);
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(readdirSync(outDir)).toEqual(['copy.bin']);
  });

  it('readToFile resolves false and writes nothing for a missing blob or a malformed hash', async () => {
    const { dir, b } = blobs();
    const dest = join(dir, 'dest');
    expect(await b.readToFile('0'.repeat(64), dest)).toBe(false);
    expect(await b.readToFile('not-a-hash', dest)).toBe(false);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('readToFile of a damaged blob rejects with ERR_BLOB_MISMATCH and leaves no destination or temporary file', async () => {
    const { root, dir, b } = blobs();
    const data = pattern(3 * MiB, 6);
    const h = b.write(data);
    const damaged = Buffer.from(data);
    damaged[2 * MiB + 1] ^= 0xff;
    const file = damage(root, h, damaged);
    const outDir = join(dir, 'out');
    mkdirSync(outDir);
    const e = await rejection(b.readToFile(h, join(outDir, 'copy.bin')));
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('ERR_BLOB_MISMATCH');
    expect(e.message).toBe(`Blob CAS mismatch at "${file}": file digests to ${sha(damaged)}, path expects ${h}`);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('readToFile into a missing directory rejects with ENOENT', async () => {
    const { dir, b } = blobs();
    const h = b.write('x');
    const e = await rejection(b.readToFile(h, join(dir, 'no', 'such')));
    expect(e.code).toBe('ENOENT');
    expect(e.syscall).toBe('open');
  });

  it('bad arguments reject (never throw) with a TypeError naming the argument', async () => {
    const { b } = blobs();
    const h = b.write('x');
    for (const bad of [5, null, undefined, {}]) {
      await expectArgRejection(() => b.writeFile(bad as any), 'path');
      await expectArgRejection(() => b.readToFile(bad as any, 'x'), 'hash');
      await expectArgRejection(() => b.readToFile(h, bad as any), 'path');
    }
  });

  it('streams with bounded memory: a 256 MiB file grows peak RSS by far less than its size', async () => {
    const dir = tempDir();
    const script = `
      const { createBlobStore } = require(${JSON.stringify(fileURLToPath(new URL('../../index.js', import.meta.url)))});
      const fs = require('node:fs');
      const dir = ${JSON.stringify(dir)};
      const fd = fs.openSync(dir + '/src.bin', 'w');
      const chunk = Buffer.alloc(1 << 20, 7);
      for (let i = 0; i < 256; i++) { chunk.writeUInt32LE(i, 0); fs.writeSync(fd, chunk); }
      fs.closeSync(fd);
      const b = createBlobStore(dir + '/blobs');
      const peak = () => process.resourceUsage().maxRSS * 1024;
      (async () => {
        const before = peak();
        const h = await b.writeFile(dir + '/src.bin');
        const ok = await b.readToFile(h, dir + '/out.bin');
        console.log(JSON.stringify({ grew: peak() - before, ok, same: fs.statSync(dir + '/out.bin').size }));
      })();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { encoding: 'utf8' });
    const out = JSON.parse(stdout);
    expect(out.ok).toBe(true);
    expect(out.same).toBe(256 * MiB);
    expect(out.grew).toBeLessThan(64 * MiB);
  }, 120_000);
});
