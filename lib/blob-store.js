'use strict';
const { normalize } = require('node:path');
const { NativeBlobStore } = require('./native');

/**
 * A content-addressed store under `blobsRoot`: `<root>/<2 hex>/<62 hex>`, named by sha256.
 * Same members and behaviour as `@uncaged/nerve-store`'s `createBlobStore`, with durable writes.
 */
function createBlobStore(blobsRoot) {
  // normalize() makes paths in error messages read as node's path.join would build them.
  const root = typeof blobsRoot === 'string' && blobsRoot !== '' ? normalize(blobsRoot) : blobsRoot;
  const native = new NativeBlobStore(root);
  return {
    write(content) {
      return native.write(content);
    },
    read(hash) {
      return native.read(hash);
    },
    exists(hash) {
      return native.exists(hash);
    },
  };
}

module.exports = { createBlobStore };
