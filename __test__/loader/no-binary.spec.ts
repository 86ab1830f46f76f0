// When no binary fits the platform, loading the package fails with one error that names the
// platform, lists the platforms that ship binaries and says how to build from source.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SHIPPED = [
  'darwin-x64',
  'darwin-arm64',
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'win32-x64-msvc',
];
const LINUX_X64_GNU =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  Boolean((process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime);
const tmp = mkdtempSync(join(tmpdir(), 'nerve-store-loader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Requires the package at `dir` in a fresh node, after `preload`; returns the error it threw. */
function loadError(dir: string, preload = '') {
  const script = `${preload}
try { require(${JSON.stringify(join(dir, 'index.js'))}); console.log(JSON.stringify({ loaded: true })); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, cause: e.cause && e.cause.message })); }`;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: '' },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function expectHelpful(e: { code: string; message: string }, platform: string) {
  expect(e.code).toBe('ERR_NERVE_STORE_NO_BINARY');
  expect(e.message).toContain(`no native binary for this platform, ${platform}`);
  expect(e.message).toContain(`Prebuilt binaries ship for: ${SHIPPED.join(', ')}.`);
  expect(e.message).toContain('install Rust (https://rustup.rs), then run `npm run build`');
}

describe('the loader without a binary for the platform', () => {
  it('names an unsupported OS, lists the shipped platforms and says how to build', () => {
    const e = loadError(ROOT, "Object.defineProperty(process, 'platform', { value: 'freebsd' });");
    expectHelpful(e, 'freebsd-x64');
    expect(e.message).toMatch(/The loader tried:\n {2}- /);
    expect(e.cause).toMatch(/^Cannot find native binding/);
  });

  it.runIf(LINUX_X64_GNU)('names the architecture and libc of an unsupported Linux', () => {
    const e = loadError(ROOT, "Object.defineProperty(process, 'arch', { value: 'riscv64' });");
    expectHelpful(e, 'linux-riscv64-gnu (glibc ');
  });

  it.runIf(LINUX_X64_GNU)('on a supported platform whose binary is missing, says what the loader tried', () => {
    // A copy of the package without its .node file, as a platform package that failed to install.
    const pkg = join(tmp, 'pkg');
    for (const f of ['package.json', 'index.js', 'binding.js', 'lib'])
      cpSync(join(ROOT, f), join(pkg, f), { recursive: true });
    const e = loadError(pkg);
    expectHelpful(e, 'linux-x64-gnu (glibc ');
    expect(e.message).toContain("Cannot find module './nerve-store.linux-x64-gnu.node'");
  });

  it.runIf(LINUX_X64_GNU)('explains a checkout that was never built (no binding.js)', () => {
    const bare = join(tmp, 'bare');
    for (const f of ['package.json', 'index.js', 'lib']) cpSync(join(ROOT, f), join(bare, f), { recursive: true });
    writeFileSync(join(bare, 'README'), 'no build here');
    expectHelpful(loadError(bare), 'linux-x64-gnu (glibc ');
  });

  it('loads normally where the binary is present', () => {
    expect(loadError(ROOT)).toEqual({ loaded: true });
  });
});
