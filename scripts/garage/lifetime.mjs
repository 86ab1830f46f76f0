// Servers never outlive the process that started them. Three layers:
// - on Linux each server is started under `setpriv --pdeathsig KILL`, so the kernel kills it when
//   this process dies, even by SIGKILL or a crash that runs no handler;
// - on exit and on SIGINT/SIGTERM/SIGHUP the live servers are killed and their folders removed;
// - a folder a killed process left behind is removed by the next start (sweepStale), and every
//   start takes fresh ports and a fresh folder, so leftovers never break a later run.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const children = new Set();
const dirs = new Set();
let installed = false;
let pdeathsig;

/** `setpriv --pdeathsig KILL --` when util-linux has it (Linux), else nothing to prepend. */
export function deathSignalPrefix() {
  if (pdeathsig === undefined) {
    pdeathsig =
      process.platform === 'linux' &&
      spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout?.includes('pdeathsig')
        ? ['setpriv', '--pdeathsig', 'KILL', '--']
        : [];
  }
  return pdeathsig;
}

function cleanUpNow() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function install() {
  if (installed) return;
  installed = true;
  process.once('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      cleanUpNow();
      // Ours was the only handler: die of the signal as if there had been none.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

export function trackChild(child) {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function trackDir(dir) {
  install();
  dirs.add(dir);
}

export function untrackDir(dir) {
  dirs.delete(dir);
}

export const OWNER_FILE = 'owner.pid';

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  // A killed process whose parent has not reaped it yet still takes signal 0.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}

/** Removes `prefix*` folders in `parent` whose owner process is gone. */
export function sweepStale(parent, prefix) {
  let names;
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(parent, name);
    let pid;
    try {
      pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // not one of ours, or still being set up
    }
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(dir, { recursive: true, force: true });
  }
}
