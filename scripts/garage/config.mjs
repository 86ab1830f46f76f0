// One Garage node's folder and config file. Every node of a cluster gets its own metadata and
// data folders and its own loopback ports; all share the cluster's rpc_secret.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REGION = 'garage';

/** A port the kernel just handed out on 127.0.0.1, so runs never collide with a stale server. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Distinct free ports (the kernel may hand a closed port out again at once). */
export async function freePorts(count) {
  const ports = new Set();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export function randomHex(bytes) {
  return randomBytes(bytes).toString('hex');
}

const toml = (s) => JSON.stringify(s); // a TOML basic string is a JSON string for these values

/**
 * Writes node `index`'s folders and garage.toml under `dir`; returns what the cluster needs to
 * know about it. data_fsync and metadata_fsync stay at Garage's default (false): a test server.
 */
export function writeNodeConfig({ dir, index, replicationFactor, rpcSecret, adminToken, ports }) {
  const root = join(dir, `node${index + 1}`);
  const meta = join(root, 'meta');
  const data = join(root, 'data');
  mkdirSync(meta, { recursive: true });
  mkdirSync(data, { recursive: true });
  const [rpcPort, s3Port, adminPort] = ports;
  const config = `metadata_dir = ${toml(meta)}
data_dir = ${toml(data)}
db_engine = "sqlite"
replication_factor = ${replicationFactor}

rpc_bind_addr = "127.0.0.1:${rpcPort}"
rpc_public_addr = "127.0.0.1:${rpcPort}"
rpc_secret = "${rpcSecret}"

[s3_api]
s3_region = "${REGION}"
api_bind_addr = "127.0.0.1:${s3Port}"

[admin]
api_bind_addr = "127.0.0.1:${adminPort}"
admin_token = "${adminToken}"
`;
  const configPath = join(root, 'garage.toml');
  writeFileSync(configPath, config);
  return {
    root,
    configPath,
    logPath: join(root, 'server.log'),
    rpcAddr: `127.0.0.1:${rpcPort}`,
    endpoint: `http://127.0.0.1:${s3Port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
  };
}
