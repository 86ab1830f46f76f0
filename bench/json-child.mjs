// A measurement in a fresh Node process: the bench's children print their result as the last
// line of standard output, one JSON object.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);

/**
 * Runs `node [nodeArgs] bench/<script> [args]` from the package root and returns the JSON object
 * of its last output line. Throws, naming `label`, the exit status and the end of its standard
 * error, when it fails or prints no such line.
 */
export function jsonChild(
  script,
  args,
  { nodeArgs = [], label = script, timeoutMs = 10 * 60_000, maxBuffer = 1 << 22 } = {},
) {
  const r = spawnSync(process.execPath, [...nodeArgs, join(HERE, script), ...args.map(String)], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer,
    timeout: timeoutMs,
  });
  const last = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !last?.startsWith('{')) {
    throw new Error(
      `${label} failed (status ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.error?.message ?? r.stderr ?? '').trim().slice(-500)}`,
    );
  }
  return JSON.parse(last);
}
