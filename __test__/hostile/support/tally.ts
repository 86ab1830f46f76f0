// Counts for the closing note. Each hostile spec file runs in its own forked worker and writes its
// counts to a file named after the vitest main process; each prints its own line and the sum over
// the files finished so far (the last one to finish prints the total).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Counts = Record<string, number>;

const counts: Counts = {};
const perCall: Counts = {};

/** One case of `call` that ended as `how`: matched, refused (by name), loss. */
export function tally(call: string, how: string): void {
  counts[how] = (counts[how] ?? 0) + 1;
  counts.cases = (counts.cases ?? 0) + 1;
  perCall[call] = (perCall[call] ?? 0) + 1;
}

function line(label: string, c: Counts): string {
  const keys = Object.keys(c)
    .filter((k) => k !== 'cases' && k !== 'loss')
    .sort();
  return `[hostile] ${label}: cases=${c.cases ?? 0} ${keys.map((k) => `${k}=${c[k]}`).join(' ')} losses=${c.loss ?? 0}`;
}

/** Call from `afterAll`; a loss has already failed its test. */
export function reportTally(file: string, specFiles: number): void {
  const dir = join(tmpdir(), 'nerve-store-hostile-tally', String(process.ppid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${file}.json`), JSON.stringify(counts));
  const all = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Counts);
  const sum: Counts = {};
  for (const c of all) for (const [k, n] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + n;
  const label =
    all.length >= specFiles
      ? `TOTAL over all ${specFiles} property spec files`
      : `sum over ${all.length} of ${specFiles} property spec files so far`;
  const calls = Object.entries(perCall)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  process.stdout.write(`${line(file, counts)}\n[hostile] ${file} cases per call: ${calls}\n${line(label, sum)}\n`);
}
