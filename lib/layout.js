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

module.exports = {
  archiveDirFor,
  dataDir,
  TEMP_PREFIX: names.tempPrefix,
};
