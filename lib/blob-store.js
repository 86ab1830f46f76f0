'use strict';
const { normalize } = require('node:path');
const { openBlobStore } = require('./native');

/**
 * A content-addressed store under `blobsRoot`: `<root>/<2 hex>/<62 hex>`, named by sha256.
 * Same members and behaviour as `@uncaged/nerve-store`'s `createBlobStore`, with durable writes,
 * plus promise-returning members whose work runs off the JavaScript thread.
 */
function createBlobStore(blobsRoot) {
  // normalize() makes paths in error messages read as node's path.join would build them.
  const root = typeof blobsRoot === 'string' && blobsRoot !== '' ? normalize(blobsRoot) : blobsRoot;
  const native = openBlobStore(root);
  const nWrite = native.write;
  const nRead = native.read;
  const nExists = native.exists;
  const nWriteAsync = native.writeAsync;
  const nReadAsync = native.readAsync;
  const nWriteFile = native.writeFile;
  const nReadToFile = native.readToFile;
  return {
    write(content) {
      return nWrite(content);
    },
    read(hash) {
      return nRead(hash);
    },
    exists(hash) {
      return nExists(hash);
    },
    // The native calls check their arguments synchronously; a bad one becomes a rejection here,
    // so every failure of these members arrives through the promise.
    writeAsync(content) {
      try {
        return nWriteAsync(content);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    readAsync(hash) {
      try {
        return nReadAsync(hash);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    writeFile(path) {
      try {
        return nWriteFile(path);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    readToFile(hash, path) {
      try {
        return nReadToFile(hash, path);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
}

module.exports = { createBlobStore };
