// Archive days on a real Garage server: each day file uploaded under the store's own id, the
// union uploaded again after late rows, and days written without the remote found on the next open.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemoteOptions } from '../../index.mjs';
import { createLogStore } from '../../index.mjs';
import { DAY, entry, tempDir } from '../native/helpers';
import { useGarage } from '../support/garage';

const T0 = Date.UTC(2026, 5, 1, 12);
const T = 60_000;

describe('archive days on a one-node Garage', () => {
  const garage = useGarage();
  let n = 0;
  const remote = (): RemoteOptions & { prefix: string } => {
    const prefix = `a${process.pid}-${++n}`;
    return { ...garage().remote(prefix), prefix };
  };

  it(
    'uploads each archived day byte for byte under the store id kept in meta; late rows upload the union',
    async () => {
      const r = remote();
      const dir = tempDir();
      const dbPath = join(dir, 'logs.db');
      const s = createLogStore(dbPath, { remote: r });
      for (let d = 0; d < 3; d++)
        for (let i = 0; i < 50; i++) s.append(entry({ timestamp: T0 + d * DAY + i, payload: `{"d":${d},"i":${i}}` }));
      const out = s.archiveLogs({ now: T0 + 4 * DAY, retentionMs: DAY });
      expect(out.days.map((d) => d.rowCount)).toEqual([50, 50, 50]);
      expect(out.days).toHaveLength(3);
      const st = await s.syncRemote();
      expect(st).toMatchObject({ enabled: true, pending: 0, failed: 0, uploaded: 3 });
      const id = s.getMeta('nerve-store-native:remote-store-id');
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const objects = garage().objects();
      const key = (day: string) => `${r.prefix}/archive/${id}/logs/${day}.jsonl`;
      expect(await objects.list(`${r.prefix}/archive/`)).toEqual(out.days.map((d) => key(d.day)));
      for (const d of out.days) expect((await objects.get(key(d.day)))?.equals(readFileSync(d.filePath))).toBe(true);

      // Late rows for the first day: the file becomes the union, and so does the object.
      for (let i = 0; i < 5; i++) s.append(entry({ timestamp: T0 + 1000 + i, payload: `{"late":${i}}` }));
      const again = s.archiveLogs({ now: T0 + 4 * DAY, retentionMs: DAY });
      expect(again.days.filter((d) => d.rowCount > 0).map((d) => [d.day, d.rowCount])).toEqual([[out.days[0].day, 5]]);
      await s.syncRemote();
      const first = out.days[0];
      const body = await objects.get(key(first.day));
      expect(body?.equals(readFileSync(first.filePath))).toBe(true);
      expect(body?.toString().trim().split('\n')).toHaveLength(55);
      s.close();

      // The id is made once per logs.db.
      const reopened = createLogStore(dbPath, { remote: r });
      expect(reopened.getMeta('nerve-store-native:remote-store-id')).toBe(id);
      reopened.close();
    },
    T,
  );

  it(
    'days archived without the remote are uploaded by the next open with one',
    async () => {
      const r = remote();
      const dbPath = join(tempDir(), 'logs.db');
      const plain = createLogStore(dbPath);
      for (let d = 0; d < 2; d++) plain.append(entry({ timestamp: T0 + d * DAY }));
      const out = plain.archiveLogs({ now: T0 + 3 * DAY, retentionMs: DAY });
      plain.close();
      const s = createLogStore(dbPath, { remote: r });
      expect(await s.syncRemote()).toMatchObject({ pending: 0, failed: 0, uploaded: 2 });
      const id = s.getMeta('nerve-store-native:remote-store-id');
      const listed = await garage().objects().list(`${r.prefix}/archive/${id}/logs/`);
      expect(listed).toHaveLength(out.days.length);
      s.close();
    },
    T,
  );

  it('a read-only store uploads nothing and reports the remote off', () => {
    const dbPath = join(tempDir(), 'logs.db');
    createLogStore(dbPath).close();
    const s = createLogStore(dbPath, { readOnly: true, remote: remote() });
    expect(s.remoteStatus()).toMatchObject({ enabled: false });
    expect(s.getMeta('nerve-store-native:remote-store-id')).toBeNull();
    s.close();
  });
});

describe('archive reads with keepLocal: false and from another machine', () => {
  const garage = useGarage();
  it(
    'evicted days are read back by readArchive, readArchiveAsync, iterate and searchAsync; a restore reads them all',
    async () => {
      const g = garage();
      const prefix = `e${process.pid}`;
      const r = g.remote(prefix, { keepLocal: false });
      const dbPath = join(tempDir(), 'logs.db');
      const s = createLogStore(dbPath, { remote: r });
      const written = [];
      for (let d = 0; d < 4; d++)
        for (let i = 0; i < 20; i++)
          written.push(
            s.append(entry({ timestamp: T0 + d * DAY + i, payload: JSON.stringify({ note: `word${d}x${i}` }) })),
          );
      const out = s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 });
      await s.syncRemote();
      // No day file is left, and every day is still listed, with its remote object's size.
      expect(out.days.map((d) => existsSync(d.filePath))).toEqual(out.days.map(() => false));
      const id = s.getMeta('nerve-store-native:remote-store-id') as string;
      const sizes = await Promise.all(
        out.days.map(async (d) => (await g.objects().get(`${prefix}/archive/${id}/logs/${d.day}.jsonl`))?.length),
      );
      expect(s.listArchiveDays()).toEqual(out.days.map((d, i) => ({ day: d.day, bytes: sizes[i], remote: true })));
      const archivedIds = written.filter((e) => e.timestamp < T0 + 3 * DAY).map((e) => e.id);
      expect(archivedIds).toHaveLength(60);
      expect(s.readArchive().map((e) => e.id)).toEqual(archivedIds);
      expect((await s.readArchiveAsync({ since: T0 + DAY })).map((e) => e.id)).toEqual(archivedIds.slice(20));
      const all = [];
      for await (const e of s.iterate({}, { includeArchive: true })) all.push(e.id);
      expect(all).toEqual(written.map((e) => e.id));
      const found = await s.searchAsync('word1x7', { includeArchive: true });
      expect(found.entries.map((e) => e.id)).toEqual([written[27].id]);
      // Late rows for an evicted day: uploaded as the union, and still read once each.
      const late = s.append(entry({ timestamp: T0 + 500, payload: '{"note":"late"}' }));
      s.archiveLogs({ now: T0 + 3 * DAY, retentionMs: 0 });
      await s.syncRemote();
      expect(s.readArchive({ until: T0 + DAY - 1 }).map((e) => e.id)).toEqual([...archivedIds.slice(0, 20), late.id]);
      const union = await g.objects().get(`${prefix}/archive/${id}/logs/${out.days[0].day}.jsonl`);
      expect(union?.length).toBeGreaterThan(sizes[0] as number);
      expect(s.listArchiveDays()[0]).toEqual({ day: out.days[0].day, bytes: union?.length, remote: true });
      s.close();

      // Another machine, restoring this store's archive under its id.
      const other = createLogStore(join(tempDir(), 'logs.db'), { remote: { ...r, storeId: id } });
      expect((await other.readArchiveAsync()).map((e) => e.id)).toEqual(
        [...archivedIds, late.id].sort((a, b) => a - b),
      );
      other.close();
    },
    T,
  );

  it(
    'a remote day altered behind its back is a coded archive error, never its rows',
    async () => {
      const g = garage();
      const prefix = `x${process.pid}`;
      const dbPath = join(tempDir(), 'logs.db');
      const s = createLogStore(dbPath, { remote: g.remote(prefix, { keepLocal: false }) });
      s.append(entry({ timestamp: T0, payload: '{"n":1}' }));
      const [day] = s.archiveLogs({ now: T0 + DAY, retentionMs: 0 }).days;
      await s.syncRemote();
      const id = s.getMeta('nerve-store-native:remote-store-id');
      await g.objects().put(`${prefix}/archive/${id}/logs/${day.day}.jsonl`, 'not a log row\n{"id":\n');
      expect(() => s.readArchive()).toThrow(expect.objectContaining({ code: 'ERR_ARCHIVE_CORRUPT' }));
      await expect(s.readArchiveAsync()).rejects.toMatchObject({ code: 'ERR_ARCHIVE_CORRUPT' });
      s.close();
    },
    T,
  );
});
