// The object-store test server itself: Garage started by scripts/garage.mjs answers S3 requests,
// refuses a wrong key, keeps taking writes with one of three nodes down, and takes the node back.
// The S3 client here (AWS SDK v3) is the independent truth the remote tier's tests check with.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRclone, rclone, writeRcloneConfig } from '../../scripts/rclone.mjs';
import { useGarage } from '../support/garage';

const SLOW = 120_000;

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

/** `403 AccessDenied: <message>` for a refused request (it must be refused). */
async function refusal(request: () => Promise<unknown>): Promise<string> {
  try {
    await request();
  } catch (e: any) {
    return `${e.$metadata?.httpStatusCode} ${e.name}: ${e.message}`;
  }
  throw new Error('the request succeeded');
}

describe('one node', () => {
  const garage = useGarage();

  it('puts, lists, gets and deletes an object', async () => {
    const objects = garage().objects();
    const body = Buffer.from('hello from nerve-store\n'.repeat(1000));
    expect(await objects.put('dir/hello.txt', body)).toBe(md5(body)); // a single-part ETag is the MD5
    expect(await objects.list('dir/')).toEqual(['dir/hello.txt']);
    expect(await objects.get('dir/hello.txt')).toEqual(body);
    await objects.delete('dir/hello.txt');
    expect(await objects.get('dir/hello.txt')).toBeNull();
    expect(await objects.list('dir/')).toEqual([]);
  });

  it('refuses a wrong secret, an unknown key and a key with no access to the bucket', async () => {
    const g = garage();
    const zeros = '0'.repeat(64);
    const wrongSecret = g.objects(0, { accessKeyId: g.accessKeyId, secretAccessKey: zeros });
    expect(await refusal(() => wrongSecret.put('nope', 'x'))).toMatch(/^403 AccessDenied: .*Invalid signature/);
    const unknown = g.objects(0, { accessKeyId: 'GK000000000000000000000000', secretAccessKey: zeros });
    expect(await refusal(() => unknown.list())).toMatch(/^403 AccessDenied: .*No such key/);
    const other = g.objects(0, await g.createKey());
    expect(await refusal(() => other.put('nope', 'x'))).toMatch(/^403 AccessDenied: .*not allowed/);
    expect(await refusal(() => other.get('nope'))).toMatch(/^403 AccessDenied/);
    expect(await g.objects().get('nope')).toBeNull(); // and nothing was written
  });

  describe('rclone', () => {
    const local = mkdtempSync(join(tmpdir(), 'nerve-rclone-'));
    afterAll(() => rmSync(local, { recursive: true, force: true }));

    it(
      'copies a small folder into the bucket',
      async () => {
        await ensureRclone();
        const g = garage();
        const files: Record<string, string> = {
          'a.txt': 'alpha\n',
          'sub/b.jsonl': '{"id":1}\n{"id":2}\n',
          'sub/deeper/c.bin': 'x'.repeat(100_000),
        };
        for (const [name, text] of Object.entries(files)) {
          mkdirSync(join(local, name, '..'), { recursive: true });
          writeFileSync(join(local, name), text);
        }
        const config = writeRcloneConfig(g);
        await rclone(config, ['copy', local, `garage:${g.bucket}/rclone`]);
        const objects = g.objects();
        expect(await objects.list('rclone/')).toEqual(Object.keys(files).map((f) => `rclone/${f}`));
        for (const [name, text] of Object.entries(files)) {
          expect((await objects.get(`rclone/${name}`))?.toString()).toBe(text);
        }
      },
      SLOW,
    );
  });
});

describe('three nodes', () => {
  const garage = useGarage({ nodes: 3 });

  it(
    'takes a put through a surviving node while one node is down, and takes the node back',
    async () => {
      const g = garage();
      const n3 = g.nodes[2]!;
      expect(new Set(g.nodes.map((n) => n.id)).size).toBe(3);
      await g.objects(0).put('before', 'written by all three');

      const id = n3.id;
      await n3.kill();
      expect(n3.running).toBe(false);
      await g.objects(1).put('while-down', 'two of three');
      expect(await g.objects(0).list()).toEqual(['before', 'while-down']);
      expect((await g.objects(1).get('before'))?.toString()).toBe('written by all three');

      await n3.restart();
      expect(n3.id).toBe(id); // same node key, so the same member of the layout
      await g.waitHealthy();
      expect((await g.objects(2).get('while-down'))?.toString()).toBe('two of three');
      await g.objects(2).put('after', 'back');
      expect(await g.objects(1).list()).toEqual(['after', 'before', 'while-down']);
      expect(g.nodes.map((n) => n.running)).toEqual([true, true, true]);
    },
    SLOW,
  );
});
