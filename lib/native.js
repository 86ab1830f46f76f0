'use strict';
// The generated loader picks the prebuilt binary for this platform (local build or
// platform package). Everything else in lib/ only adapts values to and from it.
//
// When no binary loads, its error is replaced by one that names this platform, lists the
// platforms that ship binaries and says how to build one from source; the loader's own
// errors stay reachable as `cause`.
const { join } = require('node:path');

// napi-rs target triples (package.json "napi.targets") and the platform names of their binaries.
const PLATFORM_OF_TRIPLE = {
  'x86_64-apple-darwin': 'darwin-x64',
  'aarch64-apple-darwin': 'darwin-arm64',
  'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
  'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
  'x86_64-unknown-linux-musl': 'linux-x64-musl',
  'aarch64-unknown-linux-musl': 'linux-arm64-musl',
  'x86_64-pc-windows-msvc': 'win32-x64-msvc',
};

function thisPlatform() {
  let name = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux') {
    let glibc;
    try {
      glibc = process.report.getReport().header.glibcVersionRuntime;
    } catch {
      glibc = undefined;
    }
    name += glibc ? `-gnu (glibc ${glibc})` : '-musl';
  } else if (process.platform === 'win32') {
    name += '-msvc';
  }
  return name;
}

function noBindingError(cause) {
  const pkgDir = join(__dirname, '..');
  const pkg = require('../package.json');
  const shipped = (pkg.napi?.targets || []).map((t) => PLATFORM_OF_TRIPLE[t] || t);
  const tried = [];
  for (let e = cause; e && tried.length < 8; e = e.cause) {
    if (e && typeof e.message === 'string') tried.push(`  - ${e.message.split('\n')[0]}`);
  }
  const error = new Error(
    `${pkg.name}: no native binary for this platform, ${thisPlatform()}.\n` +
      `Prebuilt binaries ship for: ${shipped.join(', ')}.\n` +
      (tried.length ? `The loader tried:\n${tried.join('\n')}\n` : '') +
      'To build one from source: install Rust (https://rustup.rs), then run `npm run build` in ' +
      `${pkgDir} (a clone of the package's repository).`,
  );
  error.code = 'ERR_NERVE_STORE_NO_BINARY';
  error.cause = cause;
  return error;
}

function isNoBinding(e) {
  if (!e || typeof e.message !== 'string') return false;
  // The generated loader's failures, and binding.js itself missing (a checkout never built).
  return (
    e.message.startsWith('Cannot find native binding') ||
    e.message.startsWith('Failed to load native binding') ||
    (e.code === 'MODULE_NOT_FOUND' && e.message.split('\n')[0].includes("'../binding.js'"))
  );
}

let binding;
try {
  binding = require('../binding.js');
} catch (e) {
  throw isNoBinding(e) ? noBindingError(e) : e;
}
module.exports = binding;
