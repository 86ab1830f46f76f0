#!/usr/bin/env node
// `npm pack` / `npm publish`: the linux-x64-gnu binary that ships is the portable one.
// On Linux x86_64 this builds it (scripts/build-portable.sh; cargo makes a second run quick).
// Everywhere, a nerve-store.linux-x64-gnu.node in the package root must need glibc 2.17 at
// most, or packing fails: the native development build (`npm run build`) never ships.
//
// NERVE_STORE_PREPACK=verify skips the build and only checks (the release workflow's publish
// job, whose binaries come from the build jobs).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Children's output goes to stderr: `npm pack --json` prints its JSON on stdout.
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 2, 2] });

const verifyOnly = process.env.NERVE_STORE_PREPACK === 'verify';
if (!verifyOnly && process.platform === 'linux' && process.arch === 'x64') {
  run('bash', [join(root, 'scripts', 'build-portable.sh')]);
}
const shipped = join(root, 'nerve-store.linux-x64-gnu.node');
if (existsSync(shipped)) {
  try {
    run(process.execPath, [join(root, 'scripts', 'check-glibc.mjs'), shipped]);
  } catch {
    console.error('prepack: nerve-store.linux-x64-gnu.node is not the portable build; run `npm run build:portable`');
    process.exit(1);
  }
}
