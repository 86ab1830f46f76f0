// Faults that must lose nothing: a node of three killed during uploads, every node stopped while
// writes go on, a remote that stalls, and the writer itself SIGKILLed during uploads.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RemoteOptions } from '../../index.mjs';
import { createBlobStore, createLogStore } from '../../index.mjs';
import { tempDir } from '../native/helpers';
import { type Garage, useGarage } from '../support/garage';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const keyOf = (prefix: string, h: string) => `${prefix}/blobs/${h.slice(0, 2)}/${h.slice(2)}`;
const WRITER = fileURLToPath(new URL('./children/writer.mjs', import.meta.url));
const T = 240_000;
let n = 0;

function remoteFor(g: Garage, extra: Partial<RemoteOptions> = {}, node = 0): RemoteOptions & { prefix: string } {
  const prefix = `f${process.pid}-${++n}`;
  return { ...g.remote(prefix, extra, node), prefix };
}

/** The blobs listed under the prefix. */
async function listedRemote(g: Garage, prefix: string): Promise<Set<string>> {
  const keys = await g.objects().list(`${prefix}/blobs/`);
  return new Set(keys.map((key) => key.split('/').slice(-2).join('')));
}

/**
 * Every blob object under the prefix whose bytes hash to its key: all of them, or `sample` of
 * them picked evenly (the rest are listed; the server verified each one's sha256 at its PUT).
 */
async function verifiedRemote(g: Garage, prefix: string, sample = Infinity): Promise<Set<string>> {
  const objects = g.objects();
  const listed = [...(await listedRemote(g, prefix))];
  const step = Math.max(1, Math.floor(listed.length / sample));
  const out = new Set<string>();
  for (const [i, h] of listed.entries()) {
    if (i % step !== 0) {
      out.add(h);
      continue;
    }
    const body = await objects.get(keyOf(prefix, h));
    if (body && sha(body) === h) out.add(h);
  }
  return out;
}

describe('three nodes, replication factor 3', () => {
  const garage = useGarage({ nodes: 3 });

  it(
    'one node killed during uploads and restarted: uploads go on, nothing lost',
    async () => {
      const g = garage();
      const r = remoteFor(g, { keepLocal: false });
      const b = createBlobStore(join(tempDir(), 'blobs'), { remote: r });
      const written = new Map<string, Buffer>();
      for (let i = 0; i < 300; i++) {
        const c = randomBytes(64 * 1024);
        written.set(b.write(c), c);
        if (i === 100) await g.nodes[2].kill();
        if (i === 200) await g.nodes[2].restart();
      }
      const s = await b.syncRemote();
      expect(s).toMatchObject({ pending: 0, failed: 0 });
      await g.waitHealthy();
      const remote = await verifiedRemote(g, r.prefix);
      expect([...written.keys()].filter((h) => !remote.has(h))).toEqual([]);
      for (const [h, c] of written) expect(b.read(h)?.equals(c)).toBe(true);
    },
    T,
  );

  it(
    'every node stopped while writes and archives go on locally, then restarted: the queue drains',
    async () => {
      const g = garage();
      const r = remoteFor(g);
      const dir = tempDir();
      const b = createBlobStore(join(dir, 'blobs'), { remote: r });
      const logs = createLogStore(join(dir, 'logs.db'), { remote: r });
      for (const node of g.nodes) await node.stop();
      const hashes = Array.from({ length: 50 }, (_, i) => b.write(`written while down ${i}`));
      const T0 = Date.UTC(2026, 2, 1);
      for (let d = 0; d < 5; d++)
        logs.append({ source: 's', type: 't', refId: null, payload: null, timestamp: T0 + d * 86_400_000 });
      const days = logs.archiveLogs({ now: T0 + 10 * 86_400_000, retentionMs: 0 }).days;
      const down = await b.syncRemote();
      expect(down.pending).toBe(50);
      expect(down.lastError?.code).toMatch(/^ERR_REMOTE_(UNAVAILABLE|TIMEOUT)$/);
      expect((await logs.syncRemote()).pending).toBe(days.length);
      for (const node of g.nodes) await node.restart();
      await g.waitHealthy();
      expect(await b.syncRemote()).toMatchObject({ pending: 0, failed: 0 });
      expect(await logs.syncRemote()).toMatchObject({ pending: 0, failed: 0 });
      const remote = await verifiedRemote(g, r.prefix);
      expect(hashes.filter((h) => !remote.has(h))).toEqual([]);
      const id = logs.getMeta('nerve-store-native:remote-store-id');
      const objects = g.objects();
      for (const d of days)
        expect(
          (await objects.get(`${r.prefix}/archive/${id}/logs/${d.day}.jsonl`))?.equals(readFileSync(d.filePath)),
        ).toBe(true);
      logs.close();
    },
    T,
  );
});

describe('one node', () => {
  const garage = useGarage();

  it(
    'a remote that accepts connections and never answers: bounded waits, coded errors, local data safe',
    async () => {
      const sockets: Socket[] = [];
      const stall = createServer((s) => sockets.push(s));
      await new Promise<void>((res) => stall.listen(0, '127.0.0.1', res));
      try {
        const port = (stall.address() as { port: number }).port;
        const r = remoteFor(garage(), { endpoint: `http://127.0.0.1:${port}`, timeoutMs: 1000, keepLocal: false });
        const root = join(tempDir(), 'blobs');
        const b = createBlobStore(root, { remote: r });
        const h = b.write('local first');
        const t0 = Date.now();
        expect(() => b.read(sha('absent'))).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_TIMEOUT' }));
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(b.read(h)?.toString()).toBe('local first');
        expect(existsSync(join(root, h.slice(0, 2), h.slice(2)))).toBe(true);
        expect(b.remoteStatus().pending).toBe(1);
      } finally {
        for (const s of sockets) s.destroy();
        stall.close();
      }
    },
    T,
  );

  it(
    'the writer SIGKILLed during uploads: every acknowledged blob and archived row reaches the remote',
    async () => {
      const g = garage();
      const r = remoteFor(g, { keepLocal: false });
      const dir = tempDir();
      const ledger = join(dir, 'ledger');
      writeFileSync(ledger, '');
      const kills = 6;
      const objects = g.objects();
      for (let k = 0; k < kills; k++) {
        const child = spawn(process.execPath, [WRITER, dir, ledger, JSON.stringify(r), String(k + 1)], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const exited = new Promise((res) => child.once('exit', res));
        let stderr = '';
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        await Promise.race([exited, new Promise((res) => setTimeout(res, 700 + k * 300))]);
        child.kill('SIGKILL');
        await exited;
        expect(stderr).toBe('');
        // No local copy went before its remote copy was in the bucket (the server verified its
        // sha256 at the PUT; the bytes of a sample are checked at the end).
        const acked = readFileSync(ledger, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('blob '))
          .map((l) => l.slice(5));
        const listed = await listedRemote(g, r.prefix);
        const lost = acked.filter((h) => !existsSync(join(dir, 'blobs', h.slice(0, 2), h.slice(2))) && !listed.has(h));
        expect(lost).toEqual([]);
      }
      const lines = readFileSync(ledger, 'utf8').split('\n');
      const blobs = new Set(lines.filter((l) => l.startsWith('blob ')).map((l) => l.slice(5)));
      const rows = new Set(lines.filter((l) => l.startsWith('row ')).map((l) => Number(l.slice(4))));
      expect(blobs.size).toBeGreaterThan(20);
      const b = createBlobStore(join(dir, 'blobs'), { remote: r });
      const logs = createLogStore(join(dir, 'logs.db'), { remote: r });
      expect(await b.syncRemote()).toMatchObject({ pending: 0, failed: 0 });
      expect(await logs.syncRemote()).toMatchObject({ pending: 0, failed: 0 });
      const remote = await verifiedRemote(g, r.prefix, 300);
      expect([...blobs].filter((h) => !remote.has(h))).toEqual([]);
      // Every acknowledged row is hot or in a remote day object.
      const id = logs.getMeta('nerve-store-native:remote-store-id');
      const found = new Set(logs.query({}).map((e) => e.id));
      for (const key of await objects.list(`${r.prefix}/archive/${id}/logs/`)) {
        const body = (await objects.get(key))?.toString() ?? '';
        for (const line of body.split('\n').filter(Boolean)) found.add(JSON.parse(line).id);
      }
      expect([...rows].filter((x) => !found.has(x))).toEqual([]);
      console.log(`${kills} kills: ${blobs.size} acknowledged blobs and ${rows.size} rows, 0 lost`);
      const local = readdirSync(join(dir, 'archive', 'logs')).filter((f) => f.endsWith('.jsonl'));
      expect(local).toEqual([]);
      logs.close();
    },
    T,
  );
});
