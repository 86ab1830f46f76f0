import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBlobStore, normalizeBlobHash } from '../../index.mjs';
import { expectArgError, tempDir, thrown } from './helpers';

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

function blobs() {
  const root = join(tempDir(), 'blobs');
  return { root, b: createBlobStore(root) };
}

/** Every file under root, as relative paths. */
function tree(root: string): string[] {
  const out: string[] = [];
  for (const shard of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, shard)).sort()) out.push(`${shard}/${f}`);
  }
  return out;
}

describe('createBlobStore: write', () => {
  it('stores strings as UTF-8, Buffers and Uint8Arrays as bytes, under <root>/<2 hex>/<62 hex>', () => {
    const { root, b } = blobs();
    const text = 'héllo wörld 😀';
    const h = sha(Buffer.from(text, 'utf8'));
    expect(b.write(text)).toBe(h);
    expect(b.write(Buffer.from(text))).toBe(h);
    expect(b.write(new Uint8Array(Buffer.from(text)))).toBe(h);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(tree(root)).toEqual([`${h.slice(0, 2)}/${h.slice(2)}`]);
    expect(readFileSync(join(root, h.slice(0, 2), h.slice(2)), 'utf8')).toBe(text);
  });

  it('hashes only the bytes a view covers', () => {
    const { b } = blobs();
    const whole = new Uint8Array(Buffer.from('abcdef'));
    const view = whole.subarray(1, 3);
    expect(b.write(view)).toBe(sha('bc'));
    expect(b.read(sha('bc'))?.toString()).toBe('bc');
    const buf = Buffer.from('0123456789').subarray(5);
    expect(b.write(buf)).toBe(sha('56789'));
  });

  it('stores empty and binary content', () => {
    const { b } = blobs();
    expect(b.write('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const bin = new Uint8Array(256).map((_, i) => i);
    const h = b.write(bin);
    expect(h).toBe(sha(bin));
    expect(Buffer.compare(b.read(h)!, Buffer.from(bin))).toBe(0);
  });

  it('lone surrogates in strings become U+FFFD (as Buffer.from does)', () => {
    const { b } = blobs();
    expect(b.write('a\ud800b')).toBe(sha(Buffer.from('a\ud800b', 'utf8')));
  });

  it('writing the same content again is a no-op and leaves no temporary files', () => {
    const { root, b } = blobs();
    const h = b.write('same');
    expect(b.write('same')).toBe(h);
    expect(b.write(Buffer.from('same'))).toBe(h);
    expect(tree(root)).toEqual([`${h.slice(0, 2)}/${h.slice(2)}`]);
  });

  it('a large blob round-trips', () => {
    const { b } = blobs();
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const h = b.write(big);
    expect(h).toBe(sha(big));
    expect(b.read(h)!.equals(big)).toBe(true);
  });

  it('the root path is normalized as path.join would (trailing slash, dot segments)', () => {
    const dir = tempDir();
    const b = createBlobStore(`${dir}/x/../blobs/`);
    const h = b.write('n');
    expect(existsSync(join(dir, 'blobs', h.slice(0, 2), h.slice(2)))).toBe(true);
  });

  it('rejects content that is not a string, Buffer or Uint8Array and writes nothing', () => {
    const { root, b } = blobs();
    for (const bad of [5, null, undefined, {}, [1, 2], true]) expectArgError(() => b.write(bad as any), 'content');
    expect(existsSync(root)).toBe(false);
  });
});

describe('createBlobStore: read and exists', () => {
  it('read returns a Buffer of the bytes; exists is true', () => {
    const { b } = blobs();
    const h = b.write('payload');
    const got = b.read(h);
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(got!.toString('utf8')).toBe('payload');
    expect(b.exists(h)).toBe(true);
    // A fresh Buffer each time.
    got![0] = 0;
    expect(b.read(h)!.toString('utf8')).toBe('payload');
  });

  it('hashes are trimmed and lowercased before use', () => {
    const { b } = blobs();
    const h = b.write('x');
    for (const form of [h.toUpperCase(), ` ${h}\n`, `\ufeff${h}\u3000`]) {
      expect(b.read(form)?.toString()).toBe('x');
      expect(b.exists(form)).toBe(true);
    }
  });

  it('missing blobs and malformed hashes give null / false, and create nothing', () => {
    const { root, b } = blobs();
    for (const h of ['0'.repeat(64), 'zz', '', 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), '../../etc/passwd']) {
      expect(b.read(h), h).toBeNull();
      expect(b.exists(h), h).toBe(false);
    }
    expect(existsSync(root)).toBe(false);
  });

  it('a tampered file: read throws, write of the same content throws, exists stays true', () => {
    const { root, b } = blobs();
    const h = b.write('x');
    const file = join(root, h.slice(0, 2), h.slice(2));
    writeFileSync(file, 'y');
    const expected = `Blob CAS mismatch at "${file}": file digests to ${sha('y')}, path expects ${h}`;
    const r = thrown(() => b.read(h));
    expect(r).toBeInstanceOf(Error);
    expect(r.message).toBe(expected);
    const w = thrown(() => b.write('x'));
    expect(w.message).toBe(expected);
    expect(b.exists(h)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('y');
  });

  it('rejects a non-string hash naming it', () => {
    const { b } = blobs();
    for (const bad of [5, null, undefined]) {
      expectArgError(() => b.read(bad as any), 'hash');
      expectArgError(() => b.exists(bad as any), 'hash');
    }
  });

  it('createBlobStore rejects a non-string root', () => {
    expectArgError(() => createBlobStore(5 as any), 'blobsRoot');
  });
});

describe('normalizeBlobHash', () => {
  const h = 'ab'.repeat(32);

  it('lowercases and trims JavaScript whitespace', () => {
    expect(normalizeBlobHash(h)).toBe(h);
    expect(normalizeBlobHash(h.toUpperCase())).toBe(h);
    expect(normalizeBlobHash(`  ${h.toUpperCase()}\n`)).toBe(h);
    const jsWhitespace =
      '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
    expect(jsWhitespace.trim()).toBe('');
    expect(normalizeBlobHash(`${jsWhitespace}${h}${jsWhitespace}`)).toBe(h);
    expect(normalizeBlobHash(`\ufeff${h}\u3000`)).toBe(h);
  });

  it('does not trim what String.prototype.trim keeps (U+0085, U+180E, U+200B)', () => {
    for (const c of ['\u0085', '\u180e', '\u200b']) {
      expect(c.trim()).toBe(c);
      expect(normalizeBlobHash(`${c}${h}`)).toBeNull();
      expect(normalizeBlobHash(`${h}${c}`)).toBeNull();
    }
  });

  it('returns null unless exactly 64 hex digits remain', () => {
    for (const bad of [
      '',
      ' ',
      'a'.repeat(63),
      'a'.repeat(65),
      'g'.repeat(64),
      `${'a'.repeat(62)} a`,
      `${'a'.repeat(63)}\u0130`,
      '\uff21'.repeat(64),
      `0x${'a'.repeat(62)}`,
    ]) {
      expect(normalizeBlobHash(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('rejects a non-string naming hash', () => {
    expectArgError(() => normalizeBlobHash(5 as any), 'hash');
    expectArgError(() => normalizeBlobHash(undefined as any), 'hash');
  });
});
