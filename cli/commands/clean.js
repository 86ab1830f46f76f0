'use strict';
// `nerve-store clean`: temporary files left by writes that never finished (a process killed
// while writing a blob or an archive day). Every write goes to a `.tmp.*` file beside its
// target and is renamed into place when complete, so these files hold no data anyone can read.
const fs = require('node:fs');
const path = require('node:path');
const {
  options,
  dataPaths,
  parseDuration,
  printJson,
  formatBytes,
  formatTime,
  table,
  display,
  CliError,
  EXIT,
} = require('../util');
const { TEMP_PREFIX } = require('../../lib/layout');

const SHARD_RE = /^[0-9a-f]{2}$/;
const DEFAULT_OLDER_THAN = '1h';

function tmpIn(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  }
  return entries.filter((d) => d.isFile() && d.name.startsWith(TEMP_PREFIX)).map((d) => path.join(dir, d.name));
}

/**
 * Files that some process has open, read from /proc/<pid>/fd (Linux). `null` where there is no
 * /proc to read. Processes this user may not look into are skipped; for those, age alone decides.
 */
function openFiles() {
  let pids;
  try {
    pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return null;
  }
  const open = new Set();
  for (const pid of pids) {
    const fdDir = `/proc/${pid}/fd`;
    let fds;
    try {
      fds = fs.readdirSync(fdDir);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        open.add(fs.readlinkSync(`${fdDir}/${fd}`));
      } catch {
        // closed meanwhile
      }
    }
  }
  return open;
}

/**
 * Every `.tmp.*` file of a data directory (archive/logs/, blobs/ and each blob shard), with its
 * size, age and whether it may be removed: older than `olderThanMs` and open in no process.
 */
function findTempFiles(paths, { olderThanMs = parseDuration(DEFAULT_OLDER_THAN), now = Date.now() } = {}) {
  const files = [...tmpIn(paths.archive), ...tmpIn(paths.blobs)];
  let shards = [];
  try {
    shards = fs
      .readdirSync(paths.blobs, { withFileTypes: true })
      .filter((d) => d.isDirectory() && SHARD_RE.test(d.name));
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  for (const d of shards.sort((a, b) => (a.name < b.name ? -1 : 1)))
    files.push(...tmpIn(path.join(paths.blobs, d.name)));
  const open = files.length > 0 ? openFiles() : null;
  const out = [];
  for (const file of files) {
    let st;
    try {
      st = fs.statSync(file);
    } catch (e) {
      if (e.code === 'ENOENT') continue; // renamed into place or removed meanwhile
      throw e;
    }
    const ageMs = Math.max(0, now - st.mtimeMs);
    let real = file;
    try {
      real = fs.realpathSync(file);
    } catch {
      // gone meanwhile; the stat above saw it
    }
    const isOpen = open ? open.has(file) || open.has(real) : null;
    out.push({
      file,
      bytes: st.size,
      modified: Math.round(st.mtimeMs),
      ageMs: Math.round(ageMs),
      open: isOpen,
      removable: ageMs >= olderThanMs && isOpen !== true,
    });
  }
  return out;
}

const HELP = `
A write goes to a ".tmp.*" file beside its target (archive/logs/, blobs/ and its
shards) and is renamed into place once complete and flushed, so a process killed
mid-write leaves such a file behind. It holds nothing readable: removing it loses
no data. A live writer owns its temporary file only while that one write lasts,
so a file counts as abandoned, and "--yes" removes it, when both hold:
  - it was last modified at least --older-than ago (default ${DEFAULT_OLDER_THAN}), and
  - no process has it open (read from /proc/<pid>/fd on Linux; elsewhere, or for
    processes this user may not inspect, the age alone decides).
Without --yes nothing is removed; the command only lists.

Examples:
  nerve-store clean                        # list temporary files
  nerve-store clean --yes                  # remove the abandoned ones
  nerve-store clean --older-than 10m --yes`;

function register(program) {
  program
    .command('clean')
    .description('list temporary files left by interrupted writes; --yes removes the abandoned ones')
    .option(
      '--older-than <duration>',
      'only files last modified at least this long ago (30s, 10m, 1h, 2d)',
      DEFAULT_OLDER_THAN,
    )
    .option('-y, --yes', 'remove the abandoned files (without it, only list)')
    .option('--json', 'print { files, removed, kept } as JSON')
    .addHelpText('after', HELP)
    .action((_o, command) => {
      const opts = options(command);
      const olderThanMs = parseDuration(opts.olderThan, '--older-than');
      const paths = dataPaths(command, { create: true });
      if (!fs.existsSync(paths.root))
        throw new CliError(`no data directory at ${paths.root} (use --data <dir>)`, EXIT.ERROR);
      const files = findTempFiles(paths, { olderThanMs });
      const removed = [];
      if (opts.yes) {
        for (const f of files) {
          if (!f.removable) continue;
          try {
            fs.unlinkSync(f.file);
          } catch (e) {
            if (e.code !== 'ENOENT') throw e;
          }
          removed.push(f.file);
        }
      }
      if (opts.json) {
        printJson({ dataDir: paths.root, olderThanMs, files, removed });
        return;
      }
      if (files.length === 0) {
        process.stdout.write(`no temporary files in ${display(paths.root)}\n`);
        return;
      }
      const state = (f) => (f.open ? 'open' : f.removable ? (opts.yes ? 'removed' : 'abandoned') : 'recent');
      const rows = files.map((f) => [display(f.file), formatBytes(f.bytes), formatTime(f.modified), state(f)]);
      process.stdout.write(`${table(['file', 'size', 'modified (UTC)', 'state'], rows)}\n`);
      const abandoned = files.filter((f) => f.removable).length;
      const bytes = files.filter((f) => f.removable).reduce((n, f) => n + f.bytes, 0);
      const kept = files.length - abandoned;
      if (opts.yes) {
        process.stdout.write(
          `removed ${removed.length} temporary file(s), ${formatBytes(bytes)}; kept ${kept} (open or newer than ${opts.olderThan})\n`,
        );
      } else {
        process.stdout.write(
          `${files.length} temporary file(s): ${abandoned} abandoned (${formatBytes(bytes)}), ${kept} open or newer than ${opts.olderThan}; run with --yes to remove the abandoned ones\n`,
        );
      }
    });
}

module.exports = { register, findTempFiles };
