// The remote tier's targets, against a Garage started on loopback for the run:
//   1. a 1 KiB blob `write` with the remote on costs at most 1.1x what it costs with it off;
//   2. pushing 1,000 blobs of 64 KiB and 30 day files: throughput at least rclone's (`rclone copy`
//      of the same files to the same server), as a ratio;
//   3. a 1 GiB blob up and down (writeFile, syncRemote with keepLocal: false, readToFile) with at
//      most 64 MiB of peak RSS growth, in a fresh child process.
//
//   node bench/remote.mjs [--rounds N] [--big-mib N] [--json FILE]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startGarage } from '../scripts/garage.mjs';
import { ensureRclone, rclone, writeRcloneConfig } from '../scripts/rclone.mjs';
import { createBlobStore, createLogStore } from '../index.mjs';
import { median } from './stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;

function remoteOf(g, prefix, extra = {}) {
  return {
    url: `s3://${g.bucket}/${prefix}`,
    endpoint: g.endpoint,
    region: g.region,
    accessKeyId: g.accessKeyId,
    secretAccessKey: g.secretAccessKey,
    allowHttp: true,
    ...extra,
  };
}

/** Median µs per 1 KiB write, remote off and on, alternating batches so drift hits both. */
async function writeCost(g, work, rounds) {
  const off = createBlobStore(join(work, 'w-off'));
  const on = createBlobStore(join(work, 'w-on'), { remote: remoteOf(g, 'bench-write') });
  const per = { off: [], on: [] };
  let n = 0;
  const batch = (store, key) => {
    const t = performance.now();
    for (let i = 0; i < 200; i++) store.write(`${key}-${n++}-${'x'.repeat(1000)}`);
    per[key].push(((performance.now() - t) * 1000) / 200);
  };
  for (let r = 0; r < rounds; r++) {
    if (r % 2) {
      batch(on, 'on');
      batch(off, 'off');
    } else {
      batch(off, 'off');
      batch(on, 'on');
    }
  }
  await on.syncRemote();
  const m = { off: median(per.off), on: median(per.on) };
  return { ...m, ratio: m.on / m.off };
}

/** 1,000 blobs of 64 KiB and 30 day files of about 1 MiB in a data directory, no remote. */
function fillPushData(dir) {
  const blobs = createBlobStore(join(dir, 'blobs'));
  let bytes = 0;
  for (let i = 0; i < 1000; i++) {
    const b = Buffer.alloc(64 * 1024, `blob ${i} `);
    b.writeUInt32LE(i, 0);
    blobs.write(b);
    bytes += b.length;
  }
  const logs = createLogStore(join(dir, 'logs.db'));
  const T0 = Date.UTC(2026, 0, 1);
  for (let d = 0; d < 30; d++) {
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      source: 'bench',
      type: 'row',
      refId: `run-${i % 50}`,
      payload: JSON.stringify({ day: d, i, msg: 'the daemon scheduled a workflow step and the tool returned' }),
      timestamp: T0 + d * 86_400_000 + i,
    }));
    logs.appendMany(rows);
  }
  const out = logs.archiveLogs({ now: T0 + 40 * 86_400_000, retentionMs: 0 });
  logs.close();
  return { blobBytes: bytes, days: out.days.length };
}

async function pushOurs(g, dir, prefix) {
  const remote = remoteOf(g, prefix);
  const t = performance.now();
  const blobs = createBlobStore(join(dir, 'blobs'), { remote });
  const logs = createLogStore(join(dir, 'logs.db'), { remote });
  await blobs.pushRemote();
  const [b, d] = await Promise.all([blobs.syncRemote(), logs.syncRemote()]);
  const ms = performance.now() - t;
  logs.close();
  if (b.pending || d.pending || b.failed || d.failed) throw new Error(`push incomplete: ${JSON.stringify([b, d])}`);
  return ms;
}

async function pushRclone(conf, dir, prefix, bucket) {
  const t = performance.now();
  // The same files: the blob shards and the day files (not the queues).
  await Promise.all([
    rclone(conf, ['copy', '--exclude', '.remote/**', join(dir, 'blobs'), `garage:${bucket}/${prefix}/blobs`]),
    rclone(conf, ['copy', '--exclude', '.remote/**', join(dir, 'archive', 'logs'), `garage:${bucket}/${prefix}/archive`]),
  ]);
  return performance.now() - t;
}

function bigBlob(g, work, mib) {
  const r = spawnSync(process.execPath, [join(HERE, 'remote-big-child.mjs'), work, JSON.stringify(remoteOf(g, 'bench-big', { keepLocal: false })), String(mib)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`remote-big-child failed (${r.status ?? r.signal})`);
  return JSON.parse(r.stdout);
}

const { values } = parseArgs({
  options: { rounds: { type: 'string' }, 'big-mib': { type: 'string' }, json: { type: 'string' } },
});
const rounds = Number(values.rounds ?? 20);
const bigMib = Number(values['big-mib'] ?? 1024);

ensureRclone();
const work = mkdtempSync(join(tmpdir(), 'nerve-store-remote-bench-'));
// The server stands in for another machine: its files in memory (where the machine has /dev/shm),
// so its writes do not join the journal commits of the blob fsyncs being measured, and at the
// lowest priority, so its CPU time on these cores is not charged to them.
const g = await startGarage({ nodes: 1, ...(existsSync('/dev/shm') ? { dir: '/dev/shm' } : {}) });
for (const node of g.nodes) spawnSync('renice', ['-n', '19', '-p', String(node.pid)]);
try {
  const write = await writeCost(g, work, rounds);
  const dataDir = join(work, 'push');
  mkdirSync(dataDir);
  const data = fillPushData(dataDir);
  const conf = writeRcloneConfig(g);
  const ours = [];
  const theirs = [];
  for (let i = 0; i < 3; i++) {
    theirs.push(await pushRclone(conf, dataDir, `bench-rclone-${i}`, g.bucket));
    rmSync(join(dataDir, 'blobs', '.remote'), { recursive: true, force: true });
    rmSync(join(dataDir, 'archive', 'logs', '.remote'), { recursive: true, force: true });
    ours.push(await pushOurs(g, dataDir, `bench-ours-${i}`));
  }
  const push = { oursMs: median(ours), rcloneMs: median(theirs) };
  push.ratio = push.rcloneMs / push.oursMs;
  const big = bigBlob(g, work, bigMib);
  const full = bigMib >= 1024;
  const targets = [
    ['1 KiB write, remote on / off', '<= 1.10x', write.ratio <= 1.1, `${write.ratio.toFixed(3)}x (${write.off.toFixed(1)} µs -> ${write.on.toFixed(1)} µs)`],
    ['push 1,000 x 64 KiB + 30 days vs rclone copy', '>= 1.00x', push.ratio >= 1, `${push.ratio.toFixed(2)}x (rclone ${(push.rcloneMs / 1000).toFixed(2)} s, ours ${(push.oursMs / 1000).toFixed(2)} s; ${data.days} days)`],
    [`${bigMib} MiB blob up and down, peak RSS growth`, '<= 64 MiB', big.growthMiB <= 64, `${big.growthMiB.toFixed(1)} MiB (up ${big.upS.toFixed(1)} s, down ${big.downS.toFixed(1)} s)`],
  ];
  for (const [name, threshold, ok, figure] of targets) {
    const status = ok ? (name.includes('MiB blob') && !full ? 'not counted' : 'PASS') : 'FAIL';
    console.log(`${status.padEnd(11)} ${name.padEnd(48)} ${threshold.padEnd(10)} ${figure}`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ write, push, big, data }, null, 2));
} finally {
  await g.stop();
  rmSync(work, { recursive: true, force: true });
}
