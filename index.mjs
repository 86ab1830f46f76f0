import store from './index.js';

export const {
  createLogStore,
  createBlobStore,
  normalizeBlobHash,
  LOG_ARCHIVE_META_KEY,
  DEFAULT_LOG_RETENTION_MS,
  utcDateStringFromMs,
  assertValidUtcDay,
  utcDayStartMs,
  utcDayEndExclusiveMs,
  prevUtcDay,
  nextUtcDay,
  lastArchivableUtcDay,
  compareIsoDays,
} = store;
