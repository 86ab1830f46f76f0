// Blobs on a real Garage server: uploads verified against the bucket read with an independent S3
// client, reads falling back to the remote, and the failures that must lose nothing.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemoteOptions } from '../../index.mjs';
import { createBlobStore } from '../../index.mjs';
import { tempDir } from '../native/helpers';
import { useGarage } from '../support/garage';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const keyOf = (prefix: string, h: string) => `${prefix}/blobs/${h.slice(0, 2)}/${h.slice(2)}`;
const T = 60_000;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('blobs on a one-node Garage', () => {
  const garage = useGarage();
  let n = 0;
  const remote = (extra: Partial<RemoteOptions> = {}): RemoteOptions & { prefix: string } => {
    const prefix = `t${process.pid}-${++n}`;
    return { ...garage().remote(prefix, extra), prefix };
  };

  it(
    'uploads every written blob, byte for byte, and syncRemote waits for it',
    async () => {
      const r = remote();
      const b = createBlobStore(join(tempDir(), 'blobs'), { remote: r });
      const contents = Array.from({ length: 40 }, (_, i) => randomBytes(100 + i * 997));
      contents.push(Buffer.alloc(0));
      const hashes = contents.map((c) => b.write(c));
      const s = await b.syncRemote();
      expect(s).toMatchObject({ enabled: true, pending: 0, failed: 0, lastError: null });
      expect(s.uploaded).toBe(contents.length);
      const objects = garage().objects();
      expect(await objects.list(`${r.prefix}/blobs/`)).toEqual(hashes.map((h) => keyOf(r.prefix, h)).sort());
      for (const h of hashes) expect(sha((await objects.get(keyOf(r.prefix, h))) ?? 'missing')).toBe(h);
      // A second write of the same bytes uploads nothing again.
      b.write(contents[3]);
      expect((await b.syncRemote()).uploaded).toBe(contents.length);
    },
    T,
  );

  it(
    'keepLocal: false removes local files only after the verified upload; every read fetches them back',
    async () => {
      const r = remote({ keepLocal: false });
      const root = join(tempDir(), 'blobs');
      const b = createBlobStore(root, { remote: r });
      const data = randomBytes(300_000);
      const h = b.write(data);
      const local = join(root, h.slice(0, 2), h.slice(2));
      expect(existsSync(local)).toBe(true);
      expect((await b.syncRemote()).pending).toBe(0);
      expect(existsSync(local)).toBe(false);
      expect(b.exists(h)).toBe(true);
      expect(b.read(h)?.equals(data)).toBe(true);
      expect((await b.readAsync(h))?.equals(data)).toBe(true);
      expect(await b.existsAsync(h)).toBe(true);
      const dest = join(tempDir(), 'out.bin');
      expect(await b.readToFile(h, dest)).toBe(true);
      expect(readFileSync(dest).equals(data)).toBe(true);
      // Truly absent stays absent.
      const absent = sha('never written');
      expect(b.read(absent)).toBeNull();
      expect(b.exists(absent)).toBe(false);
      expect(await b.existsAsync(absent)).toBe(false);
      expect(await b.readToFile(absent, dest)).toBe(false);
    },
    T,
  );

  it(
    'a second data directory on the same bucket reads every blob of the first',
    async () => {
      const r = remote();
      const first = createBlobStore(join(tempDir(), 'blobs'), { remote: r });
      const written = Array.from({ length: 20 }, () => randomBytes(5000));
      const hashes = written.map((c) => first.write(c));
      await first.syncRemote();
      const second = createBlobStore(join(tempDir(), 'blobs'), { remote: r });
      for (const [i, h] of hashes.entries()) {
        expect((await second.readAsync(h))?.equals(written[i])).toBe(true);
        expect(await second.existsAsync(h)).toBe(true);
      }
    },
    T,
  );

  it(
    'a remote object altered behind its back is ERR_BLOB_MISMATCH, never its bytes',
    async () => {
      const r = remote({ keepLocal: false });
      const b = createBlobStore(join(tempDir(), 'blobs'), { remote: r });
      const h = b.write('the true content');
      await b.syncRemote();
      await garage().objects().put(keyOf(r.prefix, h), 'altered content');
      expect(() => b.read(h)).toThrow(expect.objectContaining({ code: 'ERR_BLOB_MISMATCH' }));
      await expect(b.readAsync(h)).rejects.toMatchObject({ code: 'ERR_BLOB_MISMATCH' });
      const dest = join(tempDir(), 'out.bin');
      await expect(b.readToFile(h, dest)).rejects.toMatchObject({ code: 'ERR_BLOB_MISMATCH' });
      expect(existsSync(dest)).toBe(false);
    },
    T,
  );

  it(
    'wrong credentials: a coded error in the status, nothing deleted locally, no secret shown',
    async () => {
      const r = remote({ keepLocal: false, secretAccessKey: 'f'.repeat(64) });
      const root = join(tempDir(), 'blobs');
      const b = createBlobStore(root, { remote: r });
      const h = b.write('kept while the remote refuses');
      const s = await b.syncRemote();
      expect(s).toMatchObject({ pending: 1, failed: 1 });
      expect(s.lastError?.code).toBe('ERR_REMOTE_AUTH');
      expect(s.lastError?.message).not.toContain('f'.repeat(64));
      expect(JSON.stringify(b.remoteStatus())).not.toContain('f'.repeat(64));
      expect(existsSync(join(root, h.slice(0, 2), h.slice(2)))).toBe(true);
      expect(b.read(h)?.toString()).toBe('kept while the remote refuses');
    },
    T,
  );

  it(
    'a missing bucket is ERR_REMOTE_NO_BUCKET',
    async () => {
      const r = remote({ url: 's3://no-such-bucket-here/x' });
      const b = createBlobStore(join(tempDir(), 'blobs'), { remote: r });
      b.write('x');
      const s = await b.syncRemote();
      expect(s.failed).toBe(1);
      expect(['ERR_REMOTE_NO_BUCKET', 'ERR_REMOTE_AUTH']).toContain(s.lastError?.code);
    },
    T,
  );

  it(
    'an endpoint that refuses connections: queued on disk, uploaded by the next open with a good remote',
    async () => {
      const good = remote({ keepLocal: false });
      const root = join(tempDir(), 'blobs');
      const down = createBlobStore(root, { remote: { ...good, endpoint: `http://127.0.0.1:${await closedPort()}` } });
      const hashes = ['one', 'two', 'three'].map((c) => down.write(c));
      const s = await down.syncRemote();
      expect(s).toMatchObject({ pending: 3, failed: 3 });
      expect(s.lastError?.code).toBe('ERR_REMOTE_UNAVAILABLE');
      // The synchronous API is unaffected for local data; a miss cannot be answered: coded error.
      expect(down.read(hashes[0])?.toString()).toBe('one');
      expect(() => down.read(sha('not here'))).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_UNAVAILABLE' }));
      const up = createBlobStore(root, { remote: good });
      const s2 = await up.syncRemote();
      expect(s2).toMatchObject({ pending: 0, failed: 0 });
      for (const h of hashes) expect(await garage().objects().get(keyOf(good.prefix, h))).not.toBeNull();
    },
    T,
  );

  it(
    'blobs written before the remote was set up are sent after the open; pushRemote({ all }) sends all again',
    async () => {
      const r = remote();
      const root = join(tempDir(), 'blobs');
      const plain = createBlobStore(root);
      const hashes = ['a', 'b', 'c', 'd'].map((c) => plain.write(c));
      const b = createBlobStore(root, { remote: r });
      await b.pushRemote();
      expect(b.remoteStatus()).toMatchObject({ pending: 0, failed: 0, uploaded: 4 });
      const objects = garage().objects();
      expect(await objects.list(`${r.prefix}/blobs/`)).toEqual(hashes.map((h) => keyOf(r.prefix, h)).sort());
      // The bucket lost one: a plain push trusts the log, `all` sends every local blob again.
      await objects.delete(keyOf(r.prefix, hashes[0]));
      expect(await b.pushRemote()).toBe(0);
      expect(await b.pushRemote({ all: true })).toBe(4);
      expect(await objects.get(keyOf(r.prefix, hashes[0]))).not.toBeNull();
      await expect(b.pushRemote({ all: 'yes' } as never)).rejects.toThrow(TypeError);
    },
    T,
  );

  it('bad remote options are refused by name', () => {
    const root = join(tempDir(), 'blobs');
    const base = remote();
    expect(() => createBlobStore(root, { remote: { ...base, url: 'http://x' } })).toThrow(/options\.remote\.url/);
    expect(() => createBlobStore(root, { remote: { ...base, allowHttp: false } })).toThrow(/allowHttp/);
    expect(() => createBlobStore(root, { remote: { ...base, keepLocal: 'no' as never } })).toThrow(TypeError);
    expect(() => createBlobStore(root, { remote: 5 as never })).toThrow(/options\.remote/);
    expect(() => createBlobStore(root, { remote: { ...base, timeoutMs: 0 } })).toThrow(RangeError);
    expect(createBlobStore(root).remoteStatus()).toMatchObject({ enabled: false, pending: 0 });
  });
});
