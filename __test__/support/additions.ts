// The members createLogStore adds to the reference's LogStore, in one list for the tests that
// check the surface (exports.spec.ts) and the parity harness that strips them before comparing.
export const LOG_STORE_ADDITIONS = [
  'appendMany',
  'appendAsync',
  'queryAsync',
  'archiveLogsAsync',
  'archivePlan',
  'search',
  'searchAsync',
  'buildSearchIndex',
  'listArchiveDays',
  'readArchive',
  'readArchiveAsync',
  'iterate',
  'remoteStatus',
  'syncRemote',
  'verifyRemote',
] as const;
