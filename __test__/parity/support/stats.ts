// Counters for the closing note. Every spec file of the parity suite runs in its own forked
// worker; each one writes its counts to a file named after the vitest main process, and prints
// its own totals plus the sum over every parity file that has finished so far in this run (the
// last file to finish prints the grand total).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Stats = {
  files: number;
  scenarios: number;
  operations: number;
  comparisons: number;
  divergences: Record<string, number>;
};

export const stats: Stats = { files: 1, scenarios: 0, operations: 0, comparisons: 0, divergences: {} };

export function divergence(kind: string, n = 1): void {
  stats.divergences[kind] = (stats.divergences[kind] ?? 0) + n;
}

function merge(all: Stats[]): Stats {
  const out: Stats = { files: 0, scenarios: 0, operations: 0, comparisons: 0, divergences: {} };
  for (const s of all) {
    out.files += s.files;
    out.scenarios += s.scenarios;
    out.operations += s.operations;
    out.comparisons += s.comparisons;
    for (const [k, n] of Object.entries(s.divergences)) out.divergences[k] = (out.divergences[k] ?? 0) + n;
  }
  return out;
}

function line(label: string, s: Stats): string {
  const groups = new Map<string, [number, string[]]>();
  for (const [k, n] of Object.entries(s.divergences).sort()) {
    const m = /^([^(]+)\((.*)\)$/.exec(k);
    const [group, detail] = m ? [m[1], m[2]] : [k, ''];
    const g = groups.get(group) ?? [0, []];
    g[0] += n;
    if (detail) g[1].push(`${detail}=${n}`);
    groups.set(group, g);
  }
  const kinds = [...groups]
    .map(([g, [n, details]]) => `${g}=${n}${details.length ? ` (${details.join(', ')})` : ''}`)
    .join('; ');
  return (
    `[parity] ${label}: spec files=${s.files} scenarios=${s.scenarios} operations=${s.operations} ` +
    `comparisons=${s.comparisons} allowed divergences: ${kinds || 'none'}`
  );
}

/** Call from `afterAll`. */
export function reportStats(file: string): void {
  const dir = join(tmpdir(), 'nerve-store-parity-stats', String(process.ppid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${file}.json`), JSON.stringify(stats));
  const all = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Stats);
  const specs = readdirSync(join(dirname(fileURLToPath(import.meta.url)), '..')).filter((f) =>
    f.endsWith('.spec.ts'),
  ).length;
  const label =
    all.length >= specs
      ? `TOTAL over all ${specs} parity spec files`
      : `sum over the ${all.length} of ${specs} parity spec files finished so far`;
  process.stdout.write(`${line(file, stats)}\n${line(label, merge(all))}\n`);
}
