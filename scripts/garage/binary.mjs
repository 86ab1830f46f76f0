// The Garage server binary the tests run: built once from crates.io with cargo into the cache
// folder the portable build's tools use (scripts/portable-tools.sh), outside the clone, so a
// fresh clone on the same machine finds it.
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const GARAGE_VERSION = '2.5.0';

// sqlite as the metadata engine (lmdb, the default, is left out: one C library less) and the
// bundled C libraries, so the build needs nothing from the system. `--locked` keeps the
// dependency versions Garage was released with: a fresh resolve wants a newer compiler.
const CARGO_ARGS = [
  'install',
  'garage',
  '--version',
  GARAGE_VERSION,
  '--locked',
  '--no-default-features',
  '--features',
  'bundled-libs,sqlite',
];

/** Same rule as scripts/portable-tools.sh: ${XDG_CACHE_HOME:-$HOME/.cache}/nerve-store-native. */
export function cacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nerve-store-native');
}

export function garageRoot() {
  return join(cacheDir(), `garage-${GARAGE_VERSION}`);
}

export function garagePath() {
  return join(garageRoot(), 'bin', process.platform === 'win32' ? 'garage.exe' : 'garage');
}

/** True when the cached binary runs and says it is the pinned version. */
export function garageWorks(path = garagePath()) {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && r.stdout.includes(GARAGE_VERSION);
}

/** The binary's path, or an error that says how to build it (a test must not start a build). */
export function requireGarage() {
  const path = garagePath();
  if (!garageWorks(path)) {
    throw new Error(
      `Garage ${GARAGE_VERSION} is not built at ${path}: run \`node scripts/garage.mjs ensure\` ` +
        '(builds it once with cargo, about 10 minutes)',
    );
  }
  return path;
}

/** Builds the binary unless it is already there and runs; returns its path. */
export function ensureGarage({ log = (line) => console.error(line) } = {}) {
  const path = garagePath();
  if (garageWorks(path)) return path;
  const args = [...CARGO_ARGS, '--root', garageRoot()];
  log(`garage: building Garage ${GARAGE_VERSION} into ${garageRoot()} (cargo ${args.join(' ')}; about 10 minutes)`);
  const started = Date.now();
  const r = spawnSync('cargo', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`garage: could not run cargo: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`garage: cargo install failed (exit ${r.status ?? r.signal})`);
  if (!garageWorks(path)) throw new Error(`garage: cargo install finished but ${path} does not run --version`);
  log(`garage: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return path;
}
