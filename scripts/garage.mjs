#!/usr/bin/env node
// Garage, the S3-compatible object store the remote tests run against, on loopback.
//
//   node scripts/garage.mjs ensure               build the pinned Garage once into the cache folder
//   node scripts/garage.mjs start [--nodes 3] [--dir D] [--bucket B]
//                                                start a cluster, print its environment, stay up
//                                                until SIGINT/SIGTERM, then stop it
//
// As a module: startGarage() for tests (vitest globalSetup or a spec), ensureGarage(), and the
// S3 helpers the tests check stored objects with. Garage is AGPL: it is a test server here,
// never linked or shipped.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureGarage } from './garage/binary.mjs';
import { startGarage } from './garage/cluster.mjs';

export { cacheDir, ensureGarage, GARAGE_VERSION, garagePath, requireGarage } from './garage/binary.mjs';
export { DEFAULT_BUCKET, startGarage } from './garage/cluster.mjs';
export { REGION } from './garage/config.mjs';
export { bucketObjects, s3Client } from './garage/s3.mjs';

const USAGE = `usage: node scripts/garage.mjs ensure
       node scripts/garage.mjs start [--nodes N] [--dir DIR] [--bucket NAME]`;

async function start(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '1' },
      dir: { type: 'string' },
      bucket: { type: 'string' },
    },
  });
  ensureGarage();
  const started = Date.now();
  const cluster = await startGarage({ nodes: Number(values.nodes), dir: values.dir, bucket: values.bucket });
  console.error(`garage: ${cluster.nodes.length} node(s) up in ${Date.now() - started} ms, data in ${cluster.dir}`);
  for (const [name, value] of Object.entries(cluster.env())) console.log(`${name}=${value}`);
  cluster.nodes.forEach((n, i) => {
    console.error(`garage: node ${i + 1} pid ${n.pid} s3 ${n.endpoint}`);
  });
  const stop = async (signal) => {
    console.error(`garage: ${signal}, stopping`);
    await cluster.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Stay up until a signal, even if every server has exited.
  setInterval(() => {}, 1 << 30);
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'ensure') {
    console.log(ensureGarage());
  } else if (command === 'start') {
    await start(rest);
  } else {
    console.error(USAGE);
    process.exit(2);
  }
}

const invoked = process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invoked) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
