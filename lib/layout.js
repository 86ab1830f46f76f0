'use strict';
// The data directory's names come from the addon, which defines them once; paths are joined here
// with node:path so they read exactly as the reference's (`path.join(dirname(dbPath), ...)`).
const path = require('node:path');
const { dataLayout } = require('./native');

const names = dataLayout();

/** `<dir of the database>/archive/logs`, spelled as node:path spells it. */
function archiveDirFor(dbPath) {
  return path.join(path.dirname(dbPath), ...names.archiveDir);
}

/** The paths inside a nerve data directory. */
function dataDir(root) {
  const abs = path.resolve(root);
  const db = path.join(abs, names.dbFile);
  return {
    root: abs,
    db,
    wal: `${db}-wal`,
    blobs: path.join(abs, names.blobsDir),
    archive: archiveDirFor(db),
  };
}

/** Whether a file name is a day file (`YYYY-MM-DD.jsonl`); temporary files are not. */
function isDayFile(name) {
  return name.endsWith(names.dayFileSuffix) && !name.startsWith(names.tempPrefix);
}

module.exports = {
  archiveDirFor,
  dataDir,
  isDayFile,
  DAY_FILE_SUFFIX: names.dayFileSuffix,
  TEMP_PREFIX: names.tempPrefix,
};
