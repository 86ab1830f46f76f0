// rclone against a Garage cluster from scripts/garage.mjs: the peer tool the object-store code
// is compared with. rclone comes from the system (Debian package `rclone`), installed with
// apt-get when missing and running as root.
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function rcloneVersion() {
  const r = spawnSync('rclone', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : null;
}

/** Returns rclone's version line, installing the Debian package first if it can. */
export function ensureRclone({ log = (line) => console.error(line) } = {}) {
  const found = rcloneVersion();
  if (found) return found;
  const canApt =
    process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0;
  if (!canApt) {
    throw new Error('rclone is not installed: install it (Debian/Ubuntu: `apt-get install rclone`, or rclone.org)');
  }
  const apt = (args) =>
    spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  log('rclone: installing the Debian package (apt-get install -y rclone)');
  // A machine whose package lists were never fetched knows no rclone yet.
  if (apt(['install', '-y', 'rclone']).status !== 0) {
    apt(['update']);
    const r = apt(['install', '-y', 'rclone']);
    if (r.status !== 0) throw new Error(`rclone: apt-get install -y rclone failed (exit ${r.status ?? r.signal})`);
  }
  const installed = rcloneVersion();
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
