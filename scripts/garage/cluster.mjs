// startGarage: a Garage cluster of one or more nodes on loopback, with a layout, a key and a
// bucket the key may read, write and own, ready for S3 requests on every node.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './admin.mjs';
import { requireGarage } from './binary.mjs';
import { freePorts, REGION, randomHex, writeNodeConfig } from './config.mjs';
import { OWNER_FILE, sweepStale, trackDir, untrackDir } from './lifetime.mjs';
import { bucketObjects, s3Client } from './s3.mjs';
import { GarageServer } from './server.mjs';

export const DEFAULT_BUCKET = 'nerve-store-test';
const DIR_PREFIX = 'nerve-store-garage-';
const PORTS_PER_NODE = 3; // rpc, s3, admin
const NODE_CAPACITY = 1_000_000_000; // the layout needs one; nothing here comes close

/**
 * @param {{ nodes?: number, dir?: string, bucket?: string, binary?: string, timeoutMs?: number }} options
 *   `dir` is the folder the cluster's own fresh folder is made in (default: the OS temp folder);
 *   stop() removes the cluster's folder.
 */
export async function startGarage({ nodes = 1, dir, bucket = DEFAULT_BUCKET, binary, timeoutMs = 60_000 } = {}) {
  if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`nodes must be a positive integer, got ${nodes}`);
  const garage = binary ?? requireGarage();
  const parent = dir ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  sweepStale(parent, DIR_PREFIX);
  // A port taken between picking it and Garage binding it fails the start: try again with others.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce({ nodes, parent, bucket, garage, timeoutMs });
    } catch (e) {
      if (attempt >= 3 || !e.portTaken) throw e;
    }
  }
}

async function startOnce({ nodes, parent, bucket, garage, timeoutMs }) {
  const root = mkdtempSync(join(parent, DIR_PREFIX));
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  trackDir(root);
  const rpcSecret = randomHex(32);
  const adminToken = randomHex(32);
  const ports = await freePorts(nodes * PORTS_PER_NODE);
  const servers = Array.from({ length: nodes }, (_, index) => {
    const node = writeNodeConfig({
      dir: root,
      index,
      replicationFactor: nodes,
      rpcSecret,
      adminToken,
      ports: ports.slice(index * PORTS_PER_NODE, (index + 1) * PORTS_PER_NODE),
    });
    return new GarageServer({ binary: garage, node, adminToken });
  });
  const stop = async () => {
    await Promise.all(servers.map((s) => s.kill()));
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    untrackDir(root);
  };
  try {
    const key = await setUp(servers, bucket, timeoutMs);
    return cluster({ root, servers, bucket, key, stop, timeoutMs });
  } catch (e) {
    // The admin API can answer before the RPC port fails to bind: the logs tell.
    e.portTaken = servers.some((s) => /AddrInUse|Address already in use/.test(s.logTail(1000)));
    await stop();
    throw e;
  }
}

async function setUp(servers, bucket, timeoutMs) {
  const ids = await Promise.all(servers.map((s) => s.start({ timeoutMs })));
  const [first] = servers;
  await connect(first, servers);
  await first.admin('UpdateClusterLayout', {
    body: { roles: ids.map((id, i) => ({ id, zone: `dc${i + 1}`, capacity: NODE_CAPACITY, tags: [] })) },
  });
  await first.admin('ApplyClusterLayout', { body: { version: 1 } });
  await waitHealthy(servers, timeoutMs);
  const key = await first.admin('CreateKey', { body: { name: 'nerve-store-test' } });
  const created = await first.admin('CreateBucket', { body: { globalAlias: bucket } });
  await first.admin('AllowBucketKey', {
    body: {
      bucketId: created.id,
      accessKeyId: key.accessKeyId,
      permissions: { read: true, write: true, owner: true },
    },
  });
  // The key and the bucket are table entries that reach the other nodes a moment later.
  await Promise.all(
    servers.map((s) => {
      const objects = bucketObjects(
        s3Client({ ...credentials(key), endpoint: s.node.endpoint, region: REGION }),
        bucket,
      );
      return waitFor(`S3 on ${s.node.endpoint}`, async () => Array.isArray(await objects.list()), { timeoutMs });
    }),
  );
  return key;
}

/**
 * Connects `from` to every other running node. Also after a restart: the node would find its
 * peers again by itself, but Garage retries a lost peer only every 30 s or so (measured: a
 * restarted node was often connected to one peer at once and to the other 30 s later).
 */
async function connect(from, servers) {
  const peers = servers.filter((s) => s !== from && s.running).map((s) => `${s.id}@${s.node.rpcAddr}`);
  if (peers.length === 0) return;
  const results = await from.admin('ConnectClusterNodes', { body: peers });
  const failed = results.filter((r) => !r.success);
  if (failed.length > 0) throw new Error(`garage: connecting nodes failed: ${JSON.stringify(failed)}`);
}

const credentials = (key) => ({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });

/** Every running node connected to every node and sees the same, applied layout. */
function waitHealthy(servers, timeoutMs) {
  return Promise.all(
    servers
      .filter((s) => s.running)
      .map((s) =>
        waitFor(
          `${s.node.adminUrl} to report a healthy cluster`,
          async () => (await s.admin('GetClusterHealth')).status === 'healthy',
          { timeoutMs },
        ),
      ),
  );
}

function cluster({ root, servers, bucket, key, stop, timeoutMs }) {
  const [first] = servers;
  const clientFor = (node = 0, creds = key) =>
    s3Client({ ...credentials(creds), endpoint: servers[node].node.endpoint, region: REGION });
  return {
    dir: root,
    endpoint: first.node.endpoint,
    region: REGION,
    bucket,
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    nodes: servers.map((s) => ({
      get id() {
        return s.id;
      },
      get pid() {
        return s.pid;
      },
      get running() {
        return s.running;
      },
      endpoint: s.node.endpoint,
      dir: s.node.root,
      logTail: (lines) => s.logTail(lines),
      stop: () => s.stop(),
      kill: () => s.kill(),
      restart: async () => {
        const id = await s.restart({ timeoutMs });
        await connect(s, servers);
        return id;
      },
    })),
    /** An S3 client for node `node` (index), with the cluster's key or `creds`. */
    client: clientFor,
    /** list/get/put/delete in the bucket through node `node`, with the cluster's key or `creds`. */
    objects: (node = 0, creds = key) => bucketObjects(clientFor(node, creds), bucket),
    /** A new key with no permission on any bucket. */
    async createKey(name = 'no-access') {
      const s = servers.find((x) => x.running);
      return credentials(await s.admin('CreateKey', { body: { name } }));
    },
    /** Waits until every running node is connected to all nodes (after a restart, say). */
    waitHealthy: () => waitHealthy(servers, timeoutMs),
    /**
     * This package's `options.remote` for the bucket under `prefix`, through node `node`, with
     * `extra` options on top.
     */
    remote: (prefix, extra = {}, node = 0) => ({
      url: `s3://${bucket}/${prefix}`,
      endpoint: servers[node].node.endpoint,
      region: REGION,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      allowHttp: true,
      ...extra,
    }),
    /** The variables an S3 client or tool reads, for node `node`. */
    env: (node = 0) => ({
      AWS_ENDPOINT_URL: servers[node].node.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      NERVE_STORE_TEST_BUCKET: bucket,
    }),
    stop,
  };
}
