'use strict';
const native = require('../../lib/native');
const { options, dataPaths, printJson, formatBytes, EXIT, display } = require('../util');
const { verifyBlobs } = require('../blobs');
const { findTempFiles } = require('./clean');

function register(program) {
  program
    .command('check')
    .description(`SQLite integrity_check of logs.db and a rehash of every blob (exit ${EXIT.DAMAGE} on damage)`)
    .option('--json', 'print { database, blobs, ok } as JSON')
    .addHelpText('after', '\nExample:\n  nerve-store check && echo healthy')
    .action((_o, command) => {
      const opts = options(command);
      const paths = dataPaths(command);
      let problems;
      try {
        problems = native.integrityCheck(paths.db);
      } catch (e) {
        // SQLITE_CORRUPT and SQLITE_NOTADB: the file itself is damaged, which is what check reports.
        const primary = typeof e.errcode === 'number' ? e.errcode & 0xff : -1;
        if (primary !== 11 && primary !== 26) throw e;
        problems = [e.message];
      }
      const dbOk = problems.length === 1 && problems[0] === 'ok';
      const blobs = verifyBlobs(paths.blobs);
      const ok = dbOk && blobs.damaged.length === 0;
      // Left by interrupted writes: a warning, not damage (`nerve-store clean` removes them).
      const tmp = findTempFiles(paths);
      const temporary = {
        count: tmp.length,
        bytes: tmp.reduce((n, f) => n + f.bytes, 0),
        abandoned: tmp.filter((f) => f.removable).length,
        files: tmp.map((f) => f.file),
      };
      if (opts.json) {
        printJson({ database: { ok: dbOk, problems: dbOk ? [] : problems }, blobs, temporary, ok });
      } else {
        if (dbOk) process.stdout.write(`database ${display(paths.db)}: ok\n`);
        else for (const p of problems) process.stdout.write(`database ${display(paths.db)}: ${p}\n`);
        for (const d of blobs.damaged) process.stdout.write(`DAMAGED blob ${d.hash}: content hashes to ${d.actual}\n`);
        const verdict = blobs.damaged.length === 0 ? 'all intact' : `${blobs.damaged.length} damaged`;
        process.stdout.write(`blobs: ${blobs.count}, ${formatBytes(blobs.bytes)} rehashed: ${verdict}\n`);
        if (temporary.count > 0) {
          process.stdout.write(
            `warning: ${temporary.count} temporary file(s), ${formatBytes(temporary.bytes)}, left by interrupted writes ` +
              `(${temporary.abandoned} abandoned; not damage; see nerve-store clean)\n`,
          );
        }
        process.stdout.write(ok ? 'check passed\n' : 'check FAILED\n');
      }
      if (!ok) process.exitCode = EXIT.DAMAGE;
    });
}

module.exports = { register };
