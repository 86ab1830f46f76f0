#!/usr/bin/env node
// `prepare`: npm runs it after `npm install` in a clone, and also on `npm pack` and `npm publish`,
// after `prepack`. Installing builds the native development addon (`npm run build`); packing and
// publishing leave alone the portable binary that prepack (scripts/prepack.mjs) just built and
// checked, so the development build can never be what ships.
import { execFileSync } from 'node:child_process';

const command = process.env.npm_command;
if (command === 'pack' || command === 'publish') {
  console.error(`prepare: npm ${command}, keeping the binary prepack built`);
} else {
  execFileSync(process.env.npm_node_execpath || process.execPath, [process.env.npm_execpath, 'run', 'build'], { stdio: 'inherit' });
}
