'use strict';
// Shared pieces of the nerve-store command: the data directory's paths, one-line errors with
// exit codes, and the formatting of times, sizes and tables.
const fs = require('node:fs');
const path = require('node:path');
const Table = require('cli-table3');
const { dataDir } = require('../lib/layout');

/** Exit codes scripts can rely on. */
const EXIT = { OK: 0, ERROR: 1, USAGE: 2, DAMAGE: 3 };

/** An error the command reports as one line and an exit code, without a stack trace. */
class CliError extends Error {
  constructor(message, exitCode = EXIT.ERROR) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The global options (`--data`) merged with the command's own. */
function options(command) {
  return command.optsWithGlobals();
}

/** The data directory's paths; the database must already exist unless `create` is set. */
function dataPaths(command, { create = false } = {}) {
  const paths = dataDir(options(command).data);
  if (!create && !fs.existsSync(paths.db)) {
    throw new CliError(`no database at ${paths.db} (use --data <dir>, or run "nerve-store demo" to make one)`);
  }
  return paths;
}

/** The store; `readOnly` for the commands that only read (they then change nothing on disk). */
function openStore(command, opts = {}) {
  const { createLogStore } = require('..');
  const { readOnly = false, ...paths } = opts;
  return createLogStore(dataPaths(command, paths).db, { readOnly });
}

function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    if (e.code === 'ENOENT') return 0;
    throw e;
  }
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i += 1;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** `2026-11-22 06:30:01.123` (UTC), or the raw number when it is outside the Date range. */
function formatTime(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return String(ms);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `45s`, `250ms`, `2w`, or a plain number of milliseconds. */
function parseDuration(text, name) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(String(text));
  if (!m)
    throw new CliError(`${name}: expected a duration such as 30d, 12h, 90m or milliseconds, got "${text}"`, EXIT.USAGE);
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']);
}

/**
 * A point in time: milliseconds since the epoch, an ISO date or date-time (`2026-11-01`,
 * `2026-11-01T12:00Z`), or an age such as `2h` or `7d` (that long before now).
 */
function parseTime(text, name, now = Date.now()) {
  const s = String(text).trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)$/.test(s)) return now - parseDuration(s, name);
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(t)) {
    throw new CliError(`${name}: expected milliseconds, an ISO date or an age such as 2h, got "${text}"`, EXIT.USAGE);
  }
  return t;
}

function parsePositiveInt(text, name) {
  const s = String(text).trim();
  if (!/^\d+$/.test(s) || Number(s) < 1)
    throw new CliError(`${name}: expected a positive integer, got "${text}"`, EXIT.USAGE);
  return Number(s);
}

/** An aligned table without borders, as `ps` or `kubectl get` print. */
function table(head, rows) {
  const t = new Table({
    head,
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: process.stdout.isTTY ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const r of rows) t.push(r.map((c) => (c === null || c === undefined ? '' : String(c))));
  // cli-table3 pads the last column too; trailing blanks only get in the way of scripts.
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** One line, at most `max` characters, for a table cell. */
function cell(text, max = 60) {
  if (text === null || text === undefined) return '';
  const s = String(text).replace(/\s+/g, ' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A path as a person reads it: relative to the working directory when inside it. */
function display(p) {
  const rel = path.relative(process.cwd(), p);
  if (rel === '') return '.';
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

function printJson(value) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

module.exports = {
  EXIT,
  CliError,
  layout: dataDir,
  options,
  dataPaths,
  openStore,
  fileSize,
  formatBytes,
  formatTime,
  parseDuration,
  parseTime,
  parsePositiveInt,
  table,
  cell,
  printJson,
  display,
};
