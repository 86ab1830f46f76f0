// The bench's environment: the addon pinned for the run, both implementations loaded, the template
// database and the fixtures the workloads share, in a scratch directory removed at the end.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildTemplate, copyDb } from './data.mjs';
import { TEMPLATE_ROWS } from './options.mjs';
import { blobContent } from './workloads.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Section names of a 64-bit little-endian ELF file ([] for anything else). */
function elfSectionNames(buf) {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return [];
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const strtab = shoff + buf.readUInt16LE(0x3e) * shentsize;
  const strOff = Number(buf.readBigUInt64LE(strtab + 0x18));
  const names = [];
  for (let i = 0; i < shnum; i++) {
    const start = strOff + buf.readUInt32LE(shoff + i * shentsize);
    names.push(buf.toString('latin1', start, buf.indexOf(0, start)));
  }
  return names;
}

/**
 * Snapshots the addon that "ours" will load into `dir` and points the napi loader at the copy
 * (NAPI_RS_NATIVE_LIBRARY_PATH, inherited by the child processes too).
 */
function pinAddon(o, dir) {
  const file = o.addon ?? process.env.NAPI_RS_NATIVE_LIBRARY_PATH ?? join(ROOT, 'nerve-store.linux-x64-gnu.node');
  if (!existsSync(file)) throw new Error(`addon not found: ${file} (run npm run build)`);
  const st = statSync(file);
  // A release build (debug = false) has no DWARF sections; `npm run build:debug` output does.
  const debugInfo = elfSectionNames(readFileSync(file)).includes('.debug_info');
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'nerve-store.node');
  copyFileSync(file, copy);
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = copy;
  return { file, bytes: st.size, mtime: st.mtime.toISOString(), debug_info: debugInfo };
}

/** Removes scratch directories left by runs that were killed (their process is gone). */
function removeStaleScratch() {
  for (const name of readdirSync(tmpdir())) {
    const m = /^nerve-store-bench-(\d+)$/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if (e.code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

export async function makeEnv(o) {
  removeStaleScratch();
  const tmp = join(tmpdir(), `nerve-store-bench-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const addon = pinAddon(o, join(tmp, 'addon'));
  console.log(`ours: ${addon.file} (${(addon.bytes / 1e6).toFixed(1)} MB, built ${addon.mtime})`);
  if (addon.debug_info) {
    console.log(
      'WARNING: this addon has debug info: it looks like a DEBUG build (npm run build:debug). Benchmark a release build (npm run build).',
    );
  }
  const mods = {
    reference: await import('@uncaged/nerve-store'),
    ours: await import(new URL('../index.mjs', import.meta.url).href),
  };
  const template = join(tmp, 'template', 'logs.db');
  mkdirSync(dirname(template), { recursive: true });
  const t0 = performance.now();
  buildTemplate(mods.reference.createLogStore, template, { rows: TEMPLATE_ROWS, days: 20, threadMessages: 2500 });
  console.log(
    `template: 100k rows over 20 days, 2.5k thread messages (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );

  const readStores = {};
  const blobs = {};
  const bigDbs = {};
  return {
    tmp,
    addon,
    mods,
    template,
    /** One read-only copy of the template per implementation, shared by the read workloads. */
    readStore(impl) {
      if (!readStores[impl]) {
        const dir = join(tmp, `read-${impl}`);
        mkdirSync(dir, { recursive: true });
        copyDb(template, join(dir, 'logs.db'));
        readStores[impl] = mods[impl].createLogStore(join(dir, 'logs.db'));
      }
      return readStores[impl];
    },
    /** A stored blob of `size` bytes per implementation (same bytes, same hash). */
    blobFixture(impl, label, size) {
      const k = `${impl}:${label}`;
      if (!blobs[k]) {
        const store = mods[impl].createBlobStore(join(tmp, `blobs-read-${label}-${impl}`));
        blobs[k] = { store, hash: store.write(blobContent(size, 3)) };
      }
      return blobs[k];
    },
    /** A closed database of `rows` rows over 20 days (no thread), built once, shared by memory and lag. */
    bigDb(rows) {
      if (!bigDbs[rows]) {
        const db = join(tmp, `big-${rows}`, 'logs.db');
        mkdirSync(dirname(db), { recursive: true });
        const t1 = performance.now();
        buildTemplate(mods.reference.createLogStore, db, { rows, days: 20, threadMessages: 0, seed: 7 });
        console.log(`  built a ${rows}-row database over 20 days (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
        bigDbs[rows] = db;
      }
      return bigDbs[rows];
    },
    close() {
      for (const s of Object.values(readStores)) s.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
