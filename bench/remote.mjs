// The remote tier's targets, against a Garage started on loopback for the run:
//   1. a 1 KiB blob `write` with the remote on costs at most 1.1x what it costs with it off;
//   2. pushing 1,000 blobs of 64 KiB and 30 day files: throughput at least rclone's (`rclone copy`
//      of the same files to the same server), as a ratio;
//   3. a 1 GiB blob up and down (writeFile, syncRemote with keepLocal: false, readToFile) with at
//      most 64 MiB of peak RSS growth, in a fresh child process.
//
//   node bench/remote.mjs [--rounds N] [--big-mib N] [--json FILE]   (also a section of npm run bench)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBlobStore, createLogStore } from '../index.mjs';
import { startGarage } from '../scripts/garage.mjs';
import { ensureRclone, rclone, writeRcloneConfig } from '../scripts/rclone.mjs';
import { median } from './stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const remoteOf = (g, prefix, extra = {}) => g.remote(prefix, extra);

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
  // 30 days of 4,000 rows (about 0.5 MiB of day file each).
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
  return { blobBytes: bytes, days: out.days.filter((d) => d.rowCount > 0).length };
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
    rclone(conf, [
      'copy',
      '--exclude',
      '.remote/**',
      join(dir, 'archive', 'logs'),
      `garage:${bucket}/${prefix}/archive`,
    ]),
  ]);
  return performance.now() - t;
}

function bigBlob(g, work, mib) {
  const r = spawnSync(
    process.execPath,
    [
      join(HERE, 'remote-big-child.mjs'),
      work,
      JSON.stringify(remoteOf(g, 'bench-big', { keepLocal: false })),
      String(mib),
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error(`remote-big-child failed (${r.status ?? r.signal})`);
  return JSON.parse(r.stdout);
}

/**
 * Runs the three measurements against a fresh one-node Garage; resolves to their figures.
 * `bigMib` below 1024 is a reduced size (shown, not counted).
 */
export async function runRemoteBench({ rounds = 20, bigMib = 1024, log = () => {} } = {}) {
  ensureRclone({ log });
  const work = mkdtempSync(join(tmpdir(), 'nerve-store-remote-bench-'));
  // The server stands in for another machine: its files in memory (where the machine has
  // /dev/shm), so its writes do not join the journal commits of the blob fsyncs being measured,
  // and at the lowest priority, so its CPU time on these cores is not charged to them.
  const g = await startGarage({ nodes: 1, ...(existsSync('/dev/shm') ? { dir: '/dev/shm' } : {}) });
  // Every thread of it: Linux keeps the nice value per thread, and Garage starts its workers first.
  for (const node of g.nodes) {
    const task = `/proc/${node.pid}/task`;
    const tids = existsSync(task) ? readdirSync(task) : [String(node.pid)];
    spawnSync('renice', ['-n', '19', '-p', ...tids]);
  }
  try {
    const write = await writeCost(g, work, rounds);
    log(
      `1 KiB write: ${write.off.toFixed(1)} µs off, ${write.on.toFixed(1)} µs on (median of ${rounds} batches of 200 each)`,
    );
    const dataDir = join(work, 'push');
    mkdirSync(dataDir);
    const data = fillPushData(dataDir);
    const conf = writeRcloneConfig(g);
    const ours = [];
    const theirs = [];
    for (let i = 0; i < 3; i++) {
      theirs.push(await pushRclone(conf, dataDir, `bench-rclone-${i}`, g.bucket));
      // Our bookkeeping goes, so every round sends everything, as rclone's does.
      rmSync(join(dataDir, 'blobs', '.remote'), { recursive: true, force: true });
      rmSync(join(dataDir, 'archive', 'logs', '.remote'), { recursive: true, force: true });
      ours.push(await pushOurs(g, dataDir, `bench-ours-${i}`));
      log(`push round ${i + 1}: rclone ${(theirs[i] / 1000).toFixed(2)} s, ours ${(ours[i] / 1000).toFixed(2)} s`);
    }
    const push = {
      oursMs: median(ours),
      rcloneMs: median(theirs),
      blobs: 1000,
      blobBytes: data.blobBytes,
      days: data.days,
    };
    push.ratio = push.rcloneMs / push.oursMs;
    const big = { mib: bigMib, ...bigBlob(g, work, bigMib) };
    log(
      `${bigMib} MiB blob: up ${big.upS.toFixed(1)} s, down ${big.downS.toFixed(1)} s, peak RSS growth ${big.growthMiB.toFixed(1)} MiB`,
    );
    return { write, push, big, counted: bigMib >= 1024 };
  } finally {
    await g.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The targets as rows of [status, name, threshold, figure]. */
export function remoteTargetRows(r) {
  const v = (ok, counted = true) => (ok ? (counted ? 'PASS' : 'not counted') : 'FAIL');
  return [
    [
      v(r.write.ratio <= 1.1),
      '1 KiB blob write, remote on / off',
      '<= 1.10x',
      `${r.write.ratio.toFixed(3)}x (${r.write.off.toFixed(1)} µs -> ${r.write.on.toFixed(1)} µs)`,
    ],
    [
      v(r.push.ratio >= 1),
      'push 1,000 x 64 KiB blobs + 30 days vs rclone copy',
      '>= 1.00x',
      `${r.push.ratio.toFixed(2)}x (rclone ${(r.push.rcloneMs / 1000).toFixed(2)} s, ours ${(r.push.oursMs / 1000).toFixed(2)} s)`,
    ],
    [
      v(r.big.growthMiB <= 64, r.counted),
      `${r.big.mib} MiB blob up and down: peak RSS growth`,
      '<= 64 MiB',
      `${r.big.growthMiB.toFixed(1)} MiB (up ${r.big.upS.toFixed(1)} s, down ${r.big.downS.toFixed(1)} s)`,
    ],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { rounds: { type: 'string' }, 'big-mib': { type: 'string' }, json: { type: 'string' } },
  });
  const r = await runRemoteBench({
    rounds: Number(values.rounds ?? 20),
    bigMib: Number(values['big-mib'] ?? 1024),
    log: (m) => console.error(`  ${m}`),
  });
  if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2));
  for (const [status, name, threshold, figure] of remoteTargetRows(r))
    console.log(`${status.padEnd(11)} ${name.padEnd(52)} ${threshold.padEnd(10)} ${figure}`);
}
