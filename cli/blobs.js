'use strict';
// Walks a blob tree (`<root>/<2 hex>/<62 hex>`) and rehashes files, for `stats`, `blob verify`
// and `check`. The public blob store has no listing, and these are plain file reads.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const DIR_RE = /^[0-9a-f]{2}$/;
const FILE_RE = /^[0-9a-f]{62}$/;

/** Every blob file under `root`: `{ hash, file, size }`, plus files that are not blobs. */
function listBlobs(root) {
  const blobs = [];
  const stray = [];
  let dirs;
  try {
    dirs = fs.readdirSync(root, { withFileTypes: true });
  } catch (e) {
    if (e.code === 'ENOENT') return { blobs, stray };
    throw e;
  }
  for (const d of dirs.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const dir = path.join(root, d.name);
    if (!d.isDirectory() || !DIR_RE.test(d.name)) {
      stray.push(dir);
      continue;
    }
    for (const f of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, f.name);
      if (!f.isFile() || !FILE_RE.test(f.name)) {
        stray.push(file);
        continue;
      }
      blobs.push({ hash: d.name + f.name, file, size: fs.statSync(file).size });
    }
  }
  return { blobs, stray };
}

function sha256File(file) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Rehashes every blob. Returns counts and the damaged ones (`{ hash, file, actual }`); files
 * that are not named like blobs (left-over temporary files, say) are listed as `stray`.
 */
function verifyBlobs(root, onBlob = () => {}) {
  const { blobs, stray } = listBlobs(root);
  const damaged = [];
  let bytes = 0;
  for (const b of blobs) {
    const actual = sha256File(b.file);
    bytes += b.size;
    if (actual !== b.hash) damaged.push({ hash: b.hash, file: b.file, actual });
    onBlob(b);
  }
  return { count: blobs.length, bytes, damaged, stray };
}

module.exports = { listBlobs, verifyBlobs };
