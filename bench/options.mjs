// The command line of `npm run bench` (see run.mjs for the options), which workloads and sections
// it selects, and the time budgets the options scale.
import { parseArgs } from 'node:util';
import { REMOTE_SECTIONS } from './remote-section.mjs';
import { SEARCH_SECTIONS } from './search-sections.mjs';

const CHILD_SECTIONS = { ...SEARCH_SECTIONS, ...REMOTE_SECTIONS };

import { FULL_ROWS } from './targets.mjs';
import { WORKLOADS } from './workloads.mjs';

/** Rows of the template database the ratio table reads. */
export const TEMPLATE_ROWS = 100_000;

/** The parts that are not ratio-table workloads; filters and --skip match their key or name. */
export const SECTIONS = {
  throughput: { key: 'throughput', name: 'append / appendMany / appendAsync throughput (rows/s)' },
  queryLag: { key: 'lag.queryAsync', name: 'queryAsync 100k rows: main-thread lag (ref: query)' },
  archiveLag: { key: 'lag.archiveAsync', name: 'archiveLogsAsync 1M rows: main-thread lag (ref: archiveLogs)' },
  files: { key: 'file', name: 'writeFile / readToFile 1 GiB: peak RSS (child process)' },
  mem: { key: 'mem', name: 'memory query() 1M rows (child processes)' },
  // search, the large async reads' lag, the archive-search hook: run and printed by their module
  ...Object.fromEntries(Object.entries(CHILD_SECTIONS).map(([k, x]) => [k, { key: x.key, name: x.name }])),
};

const OPTIONS = {
  quick: { type: 'boolean' },
  rounds: { type: 'string' },
  'time-scale': { type: 'string' },
  'no-floor': { type: 'boolean' },
  skip: { type: 'string', multiple: true },
  mem: { type: 'boolean' },
  'no-mem': { type: 'boolean' },
  'mem-rows': { type: 'string' },
  'mem-reps': { type: 'string' },
  'lag-rows': { type: 'string' },
  'lag-reps': { type: 'string' },
  'file-mib': { type: 'string' },
  'search-rows': { type: 'string' },
  out: { type: 'string' },
  addon: { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
/** The options whose value is a positive number. */
const NUMERIC = new Set([
  'rounds',
  'time-scale',
  'mem-rows',
  'mem-reps',
  'lag-rows',
  'lag-reps',
  'file-mib',
  'search-rows',
]);

export function readOptions(argv) {
  // Not strict: an option's value is the argument after it, whatever it looks like (`--rounds -5` is
  // a bad number, not a missing value), and the errors are worded here, checked in the order of the
  // command line, so --help acts where it stands.
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = Object.hasOwn(OPTIONS, t.name) ? OPTIONS[t.name] : null;
    if (spec === null || (spec.type === 'boolean' && t.value !== undefined)) {
      throw new Error(`unknown option ${t.inlineValue ? `${t.rawName}=${t.value}` : t.rawName} (try --help)`);
    }
    if (spec.type === 'string' && t.value === undefined) throw new Error(`${t.rawName} needs a value`);
    if (NUMERIC.has(t.name) && !(Number(t.value) > 0)) throw new Error(`${t.rawName} needs a positive number`);
    if (t.name === 'help') {
      console.log(readUsage());
      process.exit(0);
    }
  }
  const num = (name) => (values[name] === undefined ? null : Number(values[name]));
  const lastMem = tokens.findLast((t) => t.name === 'mem' || t.name === 'no-mem');
  const o = {
    quick: values.quick === true,
    rounds: num('rounds'),
    timeScale: num('time-scale') ?? 1,
    floor: values['no-floor'] !== true,
    mem: lastMem === undefined ? null : lastMem.name === 'mem',
    memRows: num('mem-rows') ?? FULL_ROWS,
    memReps: num('mem-reps'),
    lagRows: num('lag-rows'),
    lagReps: num('lag-reps'),
    fileMiB: num('file-mib'),
    searchRows: num('search-rows'),
    out: values.out ?? null,
    addon: values.addon === undefined ? null : resolve(values.addon),
    list: values.list === true,
    filters: positionals.map((f) => f.toLowerCase()),
    skips: (values.skip ?? []).map((f) => f.toLowerCase()),
  };
  o.rounds ??= o.quick ? 2 : 6;
  o.memReps ??= o.quick ? 1 : 2;
  // --quick: the archive and read lags run on 100k rows (the template for the archive), search on
  // 100k rows and the file APIs on 128 MiB; all are reported as "not counted". The full sizes are
  // 1M rows and 1 GiB.
  o.lagRows ??= o.quick ? TEMPLATE_ROWS : FULL_ROWS;
  o.searchRows ??= o.quick ? TEMPLATE_ROWS : FULL_ROWS;
  o.lagReps ??= o.quick ? 1 : 2;
  o.fileMiB ??= o.quick ? 128 : 1024;
  if (o.quick) o.timeScale *= 0.2;
  return o;
}

function readUsage() {
  return (
    'usage: npm run bench -- [--quick] [--rounds N] [--time-scale X] [--no-floor] [--skip FILTER]... ' +
    '[--mem|--no-mem] [--mem-rows N] [--mem-reps N] [--lag-rows N] [--lag-reps N] [--file-mib N] [--search-rows N] ' +
    '[--out FILE] [--addon FILE] [--list] [filter...]'
  );
}

const matchesAny = (item, fs) =>
  fs.some((f) => item.key.toLowerCase().includes(f) || item.name.toLowerCase().includes(f));

export function selection(o) {
  const pick = (item) => (o.filters.length === 0 || matchesAny(item, o.filters)) && !matchesAny(item, o.skips);
  const sections = Object.fromEntries(Object.entries(SECTIONS).map(([k, s]) => [k, pick(s)]));
  // Memory (1M rows, a minute or more): on in a full run, off in --quick unless a filter names it.
  const memNamed = o.filters.length > 0 && sections.mem;
  sections.mem = o.mem ?? (o.quick ? memNamed : sections.mem);
  if (o.mem === true && matchesAny(SECTIONS.mem, o.skips)) sections.mem = false;
  return { workloads: WORKLOADS.filter(pick), sections };
}

/** tinybench budgets per kind of workload (ms); `iterations` is the minimum per round. */
export function budget(cost, o) {
  const s = o.timeScale;
  switch (cost) {
    case 'fast':
      return { time: 500 * s, iterations: o.quick ? 5 : 20, warmupTime: 100 * s, warmupIterations: 10 };
    case 'scan':
      return { time: 1000 * s, iterations: o.quick ? 1 : 3, warmupTime: 0, warmupIterations: o.quick ? 1 : 2 };
    case 'bigblob':
      return { time: 600 * s, iterations: o.quick ? 1 : 3, warmupTime: 0, warmupIterations: 2 };
    case 'archive':
      return { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 1 };
    default:
      throw new Error(`unknown cost ${cost}`);
  }
}

/** Criterion chunk lengths (s): short chunks between rounds for targets, one longer one otherwise. */
export function floorChunk(o, target) {
  const s = o.timeScale;
  return target
    ? { measurementS: Math.max(0.3, 1 * s), warmupS: Math.max(0.1, 0.3 * s) }
    : { measurementS: Math.max(0.3, 2 * s), warmupS: Math.max(0.1, 0.5 * s) };
}
