// Read-only directories and full disks for tests that run as root, where permissions stop nothing:
// the scenario runs in a child process inside a new mount namespace (`unshare -rm`, a user
// namespace too, so it works without root as well), where a bind mount can be made read-only and
// a tiny tmpfs can be mounted. The mounts vanish with the child.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fs-child.mjs', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../../index.js', import.meta.url));

export type Step = {
  ok: boolean;
  value?: any;
  error?: { name: string; code?: unknown; errcode?: unknown; message: string };
};

/** Whether mount namespaces work here; when they do not, whether that is provably the machine's doing. */
export type Capability = { ok: true } | { ok: false; reason: string; provablyMissing: boolean };

export function probeNamespaces(): Capability {
  const dir = mkdtempSync(join(tmpdir(), 'nerve-ns-probe-'));
  try {
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0" && touch "$0/x"', dir], {
      encoding: 'utf8',
    });
    if (r.status === 0) return { ok: true };
    const reason = `unshare -rm + mount failed: ${r.error?.message ?? r.stderr.trim()}`;
    // The machine rules user namespaces out and we are not root: no way to make a directory
    // read-only or a disk full for a root-owned test here. Anything else is a failure.
    const max = existsSync('/proc/sys/user/max_user_namespaces')
      ? readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim()
      : '';
    const provablyMissing = max === '0' && process.getuid?.() !== 0;
    return { ok: false, reason, provablyMissing };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs fs-child.mjs `scenario` on `dir` in a new mount namespace after the shell commands of
 * `setup` (which see the directory as `$0`), and returns its steps.
 */
export function runInNamespace(
  setup: string,
  scenario: string,
  dir: string,
  env: Record<string, string> = {},
): Record<string, Step> {
  const script = `${setup} && exec "$1" "$2" "$3" "$0" "$4"`;
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', script, dir, process.execPath, CHILD, scenario, PACKAGE], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(`scenario ${scenario} exited with ${r.status ?? r.signal}: ${r.error?.message ?? ''}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, Step>;
}

export const READ_ONLY_BIND = (path: string) =>
  `mount --bind "${path}" "${path}" && mount -o remount,ro,bind "${path}"`;
