// The Rust floor (benches/floor.rs, criterion), run from the Node bench so one command gives the
// floor comparisons. The bench binary is built once with `cargo bench --bench floor --no-run`,
// copied into the scratch directory (a rebuild during the run cannot swap it), and then run
// directly with a criterion filter, in short chunks placed between the rounds of the matching
// Node workload, so disk and CPU drift on a shared machine hit the floor and the addon alike.
// Criterion writes its results under CRITERION_HOME (the scratch directory, not target/); each
// chunk's per-iteration sample times are read from <id>/new/sample.json and pooled.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './stats.mjs';

/** Newest `floor-<hash>` executable cargo left in the target directory, or null. */
function existingBinary(targetDir) {
  const deps = join(targetDir, 'release', 'deps');
  if (!existsSync(deps)) return null;
  let best = null;
  for (const name of readdirSync(deps)) {
    if (!/^floor-[0-9a-f]{16}$/.test(name)) continue;
    const file = join(deps, name);
    const st = statSync(file);
    if (!(st.mode & 0o111)) continue;
    if (!best || st.mtimeMs > best.mtimeMs) best = { file, mtimeMs: st.mtimeMs };
  }
  return best?.file ?? null;
}

export class Floor {
  /**
   * @param {object} p
   * @param {string} p.root the package root (where Cargo.toml is)
   * @param {string} p.dir scratch directory for the pinned binary and criterion's output
   * @param {boolean} p.rebuild build with cargo first (false: reuse the newest existing binary if any)
   */
  constructor({ root, dir, rebuild }) {
    this.root = root;
    this.dir = dir;
    this.rebuild = rebuild;
    this.exe = null;
    this.info = null;
    this.error = null;
  }

  /** Locates or builds the floor binary; returns false (with `error` set) when there is none. */
  prepare() {
    if (this.exe || this.error) return !!this.exe;
    const targetDir = process.env.CARGO_TARGET_DIR ?? join(this.root, 'target');
    let exe = null;
    let how = null;
    let buildError = null;
    if (this.rebuild || !existingBinary(targetDir)) {
      const t0 = Date.now();
      const r = spawnSync(
        'cargo',
        ['bench', '--bench', 'floor', '--no-run', '--message-format=json-render-diagnostics'],
        {
          cwd: this.root,
          encoding: 'utf8',
          maxBuffer: 64 << 20,
          timeout: 5 * 60_000,
        },
      );
      if (r.status === 0) {
        for (const line of r.stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const m = JSON.parse(line);
          if (m.reason === 'compiler-artifact' && m.target?.name === 'floor' && m.executable) exe = m.executable;
        }
        how = `cargo bench --bench floor --no-run (${((Date.now() - t0) / 1000).toFixed(0)} s)`;
      } else {
        // Also a timeout: another build holding cargo's lock for minutes.
        buildError = r.error ? r.error.message : (r.stderr || '').trim().split('\n').slice(-3).join(' | ');
      }
    }
    if (!exe) {
      exe = existingBinary(targetDir);
      if (exe)
        how = buildError
          ? `build failed (${buildError.slice(0, 200)}); using the previous binary`
          : 'existing binary (not rebuilt)';
    }
    if (!exe) {
      this.error = `no floor binary${buildError ? `: build failed: ${buildError.slice(0, 300)}` : ''}`;
      return false;
    }
    mkdirSync(this.dir, { recursive: true });
    const pinned = join(this.dir, 'floor-bench');
    copyFileSync(exe, pinned);
    chmodSync(pinned, 0o755);
    this.exe = pinned;
    this.info = { file: exe, built: statSync(exe).mtime.toISOString(), how };
    return true;
  }

  /**
   * Runs one criterion benchmark (`group/name`) for a short chunk and returns its samples as
   * per-iteration times in ms (one per criterion sample: sample time / iterations).
   */
  run(id, { measurementS, warmupS }) {
    if (!this.prepare()) throw new Error(this.error);
    const args = [
      '--bench',
      '--noplot',
      '--exact',
      id,
      '--warm-up-time',
      String(warmupS),
      '--measurement-time',
      String(measurementS),
      '--nresamples',
      '1000',
    ];
    const r = spawnSync(this.exe, args, {
      cwd: this.root,
      encoding: 'utf8',
      maxBuffer: 16 << 20,
      timeout: 5 * 60_000,
      env: { ...process.env, CRITERION_HOME: join(this.dir, 'criterion') },
    });
    if (r.status !== 0) {
      throw new Error(
        `floor ${id} failed: ${r.error?.message ?? (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    const file = join(this.dir, 'criterion', ...id.split('/'), 'new', 'sample.json');
    const s = JSON.parse(readFileSync(file, 'utf8'));
    return s.iters.map((n, i) => s.times[i] / n / 1e6);
  }
}

/**
 * Pools floor chunks for one benchmark id. `chunk()` runs one and records it (errors are kept,
 * not thrown, so a broken floor never stops the Node bench).
 */
export class FloorSeries {
  constructor(floor, id, opts) {
    this.floor = floor;
    this.id = id;
    this.opts = opts;
    this.samples = [];
    this.chunkMedians = [];
    this.error = null;
  }

  chunk() {
    if (this.error) return;
    try {
      const s = this.floor.run(this.id, this.opts);
      this.samples.push(...s);
      this.chunkMedians.push(median(s));
    } catch (e) {
      this.error = e.message;
    }
  }

  result() {
    if (this.samples.length === 0) return { id: this.id, error: this.error ?? 'not run' };
    const sorted = [...this.samples].sort((a, b) => a - b);
    return {
      id: this.id,
      median_ms: median(sorted),
      mean_ms: sorted.reduce((a, b) => a + b, 0) / sorted.length,
      samples: sorted.length,
      chunks: this.chunkMedians.length,
      chunk_medians_ms: this.chunkMedians,
      ...(this.error ? { error: this.error } : {}),
    };
  }
}
