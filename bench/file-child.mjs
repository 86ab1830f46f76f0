// One clean process for the large-blob file APIs of ours: writeFile(path) and readToFile(hash, path).
// Usage: node --expose-gc file-child.mjs <dir> <bytes>
// Creates a <bytes> source file in <dir> (deterministic content, hashed while it is written,
// fsynced, all untimed), then for each API: gc, reset the kernel's RSS high-water mark through
// /proc/self/clear_refs, run the call, read VmHWM. Peak RSS growth = VmHWM - RSS at the reset, so
// every byte the call holds in memory at its peak counts, whichever thread holds it. The results
// are checked (hash of the source, size and sha256 of the file read back) outside the timing.
// Every file it made is deleted before it exits; the parent removes <dir> as well.
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resetPeak, statusBytes } from './proc-status.mjs';

const [dir, bytesArg] = process.argv.slice(2);
const bytes = Number(bytesArg);
const MiB = 1024 * 1024;
const mod = await import(new URL('../index.mjs', import.meta.url).href);
const gc = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};

/** Writes `size` bytes of deterministic, incompressible-looking content; returns its sha256. */
function makeSource(path, size) {
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i += 4) chunk.writeUInt32LE(Math.imul(i + 977, 2654435761) >>> 0, i);
  const h = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let off = 0, n = 0; off < size; off += MiB, n++) {
      chunk.writeUInt32LE(n, 0); // every MiB differs
      const len = Math.min(MiB, size - off);
      const part = len === MiB ? chunk : chunk.subarray(0, len);
      writeSync(fd, part);
      h.update(part);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

function sha256File(path) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 4 * MiB })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Runs `call` with the RSS high-water mark reset just before it. */
async function measured(call) {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const peakReset = resetPeak();
  const hwmBefore = statusBytes('VmHWM');
  const t0 = performance.now();
  const value = await call();
  const ms = performance.now() - t0;
  const peakRss = statusBytes('VmHWM');
  return {
    value,
    ms,
    mib_per_s: bytes / MiB / (ms / 1000),
    peak_reset: peakReset,
    rss_before_bytes: rssBefore,
    peak_rss_bytes: peakRss,
    peak_rss_growth_bytes: peakRss - (peakReset ? rssBefore : hwmBefore),
  };
}

const out = { bytes, writeFile: null, readToFile: null };
const blobsRoot = join(dir, 'blobs');
const src = join(dir, 'source.bin');
const dst = join(dir, 'read-back.bin');
try {
  mkdirSync(dir, { recursive: true });
  const store = mod.createBlobStore(blobsRoot);
  const hasWrite = typeof store.writeFile === 'function';
  const hasRead = typeof store.readToFile === 'function';
  if (!hasWrite) out.writeFile = { available: false };
  if (!hasRead) out.readToFile = { available: false };
  if (hasWrite || hasRead) {
    const expected = makeSource(src, bytes);
    let hash = null;
    if (hasWrite) {
      const r = await measured(() => store.writeFile(src));
      hash = r.value;
      const ok = hash === expected;
      out.writeFile = {
        available: true,
        ...r,
        value: undefined,
        hash,
        ok,
        ...(ok ? {} : { error: `hash ${hash}, expected ${expected}` }),
      };
    } else {
      hash = store.write(readFileSync(src)); // the fixture for readToFile, untimed
    }
    rmSync(src, { force: true });
    if (hasRead) {
      gc();
      const r = await measured(() => store.readToFile(hash, dst));
      const size = statSync(dst, { throwIfNoEntry: false })?.size ?? -1;
      const got = size === bytes ? await sha256File(dst) : null;
      const ok = r.value === true && got === expected;
      out.readToFile = {
        available: true,
        ...r,
        value: undefined,
        returned: r.value,
        ok,
        ...(ok ? {} : { error: `returned ${r.value}, size ${size}, sha256 ${got}, expected ${expected}` }),
      };
    }
  }
} catch (e) {
  out.error = `${e.code ? `${e.code}: ` : ''}${e.message}`;
} finally {
  for (const p of [src, dst, blobsRoot]) rmSync(p, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
