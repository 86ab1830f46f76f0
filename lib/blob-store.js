'use strict';
const { normalize } = require('node:path');
const { NativeBlobStore } = require('./native');

/**
 * A content-addressed store under `blobsRoot`: `<root>/<2 hex>/<62 hex>`, named by sha256.
 * Same members and behaviour as `@uncaged/nerve-store`'s `createBlobStore`, with durable writes,
 * plus promise-returning members whose work runs off the JavaScript thread.
 */
function createBlobStore(blobsRoot, options) {
  // normalize() makes paths in error messages read as node's path.join would build them.
  const root = typeof blobsRoot === 'string' && blobsRoot !== '' ? normalize(blobsRoot) : blobsRoot;
  const native = new NativeBlobStore(root, options);
  // Plain functions bound to the store: no `this` to unwrap on the calls made in tight loops.
  const { read, exists } = native.hotFunctions();
  return {
    write(content) {
      return native.write(content);
    },
    read(hash) {
      return read(hash);
    },
    exists(hash) {
      return exists(hash);
    },
    // The native calls check their arguments synchronously; a bad one becomes a rejection here,
    // so every failure of these members arrives through the promise.
    writeAsync(content) {
      try {
        return native.writeAsync(content);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    readAsync(hash) {
      try {
        return native.readAsync(hash);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    writeFile(path) {
      try {
        return native.writeFile(path);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    readToFile(hash, path) {
      try {
        return native.readToFile(hash, path);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    /** `exists` off the JavaScript thread; with a remote, a local miss asks the remote. */
    existsAsync(hash) {
      try {
        return native.existsAsync(hash);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    /** The upload state now: `{ enabled, url, uploaded, pending, failed, lastError }`. */
    remoteStatus() {
      return native.remoteStatus();
    },
    /** Settles when every blob written before the call is verified remote (or failed this pass). */
    syncRemote() {
      return native.syncRemote();
    },
    /**
     * Queues every local blob the remote has not verified (every one with `{ all: true }`) and
     * waits for the pass that sends them; resolves to how many were queued.
     */
    pushRemote(options) {
      try {
        const all = options?.all;
        if (all !== undefined && typeof all !== 'boolean') {
          const e = new TypeError(`The "options.all" argument must be of type boolean. Received type ${typeof all}`);
          e.code = 'ERR_INVALID_ARG_TYPE';
          throw e;
        }
        return native.pushRemote(all);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
}

module.exports = { createBlobStore };
