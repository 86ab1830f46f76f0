#!/usr/bin/env node
// Fails unless every given ELF file needs glibc 2.17 at most. Reads the version-needs section
// (.gnu.version_r) with binutils' `readelf --version-info`: the GLIBC_x.y versions listed there
// are exactly the ones the dynamic linker requires before the library loads.
//
//   node scripts/check-glibc.mjs FILE... [--max 2.17]
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
let max = '2.17';
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--max') max = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: check-glibc.mjs FILE... [--max 2.17]');
  process.exit(2);
}

const parse = (v) => v.split('.').map(Number);
const cmp = (a, b) => {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

/** The GLIBC versions `file` needs, sorted, highest last. */
function glibcVersions(file) {
  const out = execFileSync('readelf', ['--version-info', '--wide', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const needs = out.slice(out.indexOf('.gnu.version_r'));
  const found = new Set();
  for (const m of needs.matchAll(/Name: GLIBC_([0-9.]+)/g)) found.add(m[1]);
  return [...found].sort(cmp);
}

let failed = false;
for (const file of files) {
  const versions = glibcVersions(file);
  const highest = versions.at(-1) ?? 'none';
  const ok = versions.length === 0 || cmp(highest, max) <= 0;
  console.log(`${file}: highest GLIBC symbol version ${highest === 'none' ? 'none' : 'GLIBC_' + highest} (limit GLIBC_${max}): ${ok ? 'ok' : 'TOO NEW'}`);
  if (!ok) failed = true;
}
process.exit(failed ? 1 : 0);
