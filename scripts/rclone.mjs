// rclone against a Garage cluster from scripts/garage.mjs: the peer tool the object-store code
// is compared with. rclone comes from the system (Debian package `rclone`), installed with
// apt-get when missing and running as root.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function rcloneVersion() {
  try {
    const { stdout } = await run('rclone', ['version']);
    return stdout.split('\n')[0];
  } catch {
    return null;
  }
}

/** Resolves to the exit code (asynchronous: a test worker must keep answering its runner). */
async function apt(args) {
  const child = spawn('apt-get', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const [code] = await once(child, 'exit');
  return code;
}

/** Resolves to rclone's version line, installing the Debian package first if it can. */
export async function ensureRclone({ log = (line) => console.error(line) } = {}) {
  const found = await rcloneVersion();
  if (found) return found;
  const root = process.platform === 'linux' && process.getuid?.() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    throw new Error('rclone is not installed: install it (Debian/Ubuntu: `apt-get install rclone`, or rclone.org)');
  }
  log('rclone: installing the Debian package (apt-get install -y rclone)');
  // A machine whose package lists were never fetched knows no rclone yet.
  if ((await apt(['install', '-y', 'rclone'])) !== 0) {
    await apt(['update']);
    const code = await apt(['install', '-y', 'rclone']);
    if (code !== 0) throw new Error(`rclone: apt-get install -y rclone failed (exit ${code})`);
  }
  const installed = await rcloneVersion();
  if (!installed) throw new Error('rclone: installed, but `rclone version` does not run');
  return installed;
}

/**
 * Writes an rclone config with one remote for `cluster` (from startGarage) through node `node`;
 * returns its path. no_check_bucket: a key that is allowed on a bucket may not create buckets,
 * and rclone would try to before its first upload.
 */
export function writeRcloneConfig(
  cluster,
  { path = join(cluster.dir, 'rclone.conf'), remote = 'garage', node = 0 } = {},
) {
  const endpoint = cluster.nodes[node].endpoint;
  writeFileSync(
    path,
    `[${remote}]
type = s3
provider = Other
env_auth = false
access_key_id = ${cluster.accessKeyId}
secret_access_key = ${cluster.secretAccessKey}
endpoint = ${endpoint}
region = ${cluster.region}
force_path_style = true
no_check_bucket = true
`,
  );
  return path;
}

/**
 * rclone's environment: this one with the config file set and without AWS_CA_BUNDLE, which
 * rclone 1.60 applies to every S3 endpoint and then refuses a plain-http one.
 */
export function rcloneEnv(configPath) {
  const env = { ...process.env, RCLONE_CONFIG: configPath };
  delete env.AWS_CA_BUNDLE;
  return env;
}

/** Runs `rclone ...args` with that config; resolves to its stdout, rejects with its stderr. */
export async function rclone(configPath, args) {
  try {
    const { stdout } = await run('rclone', args, { env: rcloneEnv(configPath), maxBuffer: 64 << 20 });
    return stdout;
  } catch (e) {
    throw new Error(`rclone ${args.join(' ')} failed (exit ${e.code}): ${e.stderr || e.message}`);
  }
}
