'use strict';
const native = require('./lib/native');
const { createLogStore } = require('./lib/log-store');
const { createBlobStore } = require('./lib/blob-store');

module.exports = {
  createLogStore,
  createBlobStore,
  normalizeBlobHash: native.normalizeBlobHash,
  LOG_ARCHIVE_META_KEY: native.LOG_ARCHIVE_META_KEY,
  DEFAULT_LOG_RETENTION_MS: native.DEFAULT_LOG_RETENTION_MS,
  utcDateStringFromMs: native.utcDateStringFromMs,
  assertValidUtcDay: native.assertValidUtcDay,
  utcDayStartMs: native.utcDayStartMs,
  utcDayEndExclusiveMs: native.utcDayEndExclusiveMs,
  prevUtcDay: native.prevUtcDay,
  nextUtcDay: native.nextUtcDay,
  lastArchivableUtcDay: native.lastArchivableUtcDay,
  compareIsoDays: native.compareIsoDays,
};
