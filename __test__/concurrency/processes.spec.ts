// Several processes on one logs.db, as nerve runs them: a daemon writing and driving workflow
// runs, four workers appending their threads, a reader (in process and through the CLI) and an
// archiver (library calls and the CLI), all at once for a sustained stretch. No process may see
// any error ("database is locked" above all), every read must be a consistent state, and in the
// end every acknowledged row must be exactly once in SQLite or the archive, and nothing else.
//
// NERVE_STRESS_SECONDS sets how long the processes run (default 20).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildReport, collectErrors, ledger, opsTable, readReport, totalCalls } from './ledger';

const SECONDS = Number(process.env.NERVE_STRESS_SECONDS ?? 20);
const DAY = 86_400_000;
const CHILDREN = join(__dirname, 'children');

const dir = mkdtempSync(join(tmpdir(), 'nerve-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Role = { name: string; script: string };
const ROLES: Role[] = [
  { name: 'daemon', script: 'daemon.mjs' },
  ...[1, 2, 3, 4].map((i) => ({ name: `w${i}`, script: 'worker.mjs' })),
  { name: 'reader', script: 'reader.mjs' },
  { name: 'archiver', script: 'archiver.mjs' },
];

function runChild(
  role: Role,
  settings: Record<string, unknown>,
  seed: number,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const config = { ...settings, name: role.name, seed, report: join(dir, `report-${role.name}.json`) };
  const child = spawn(process.execPath, [join(CHILDREN, role.script), JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

describe('several processes on one logs.db', () => {
  it(
    `run ${SECONDS} s with no error, consistent reads and every acknowledged row exactly once`,
    async () => {
      const durationMs = SECONDS * 1000;
      const settings = {
        dataDir: dir,
        dbPath: join(dir, 'logs.db'),
        // All children are up well before this; they start together.
        startAt: Date.now() + 2000,
        durationMs,
        // A virtual day every 2 s from 2026-01-01; days older than 3 of them are archived.
        dayMs: 2000,
        baseMs: Date.UTC(2026, 0, 1),
        retentionMs: 3 * DAY,
        paceMs: Number(process.env.NERVE_STRESS_PACE_MS ?? 3),
      };
      const baseSeed = Number(process.env.NERVE_STRESS_SEED ?? Date.now() % 1e9);
      const exits = await Promise.all(ROLES.map((role, i) => runChild(role, settings, baseSeed + i)));
      const crashed = exits.flatMap((x, i) =>
        x.code === 0 ? [] : [`${ROLES[i].name}: exit ${x.code ?? x.signal}\n${x.stderr}`],
      );
      expect(crashed, crashed.join('\n')).toEqual([]);

      const reports: ChildReport[] = ROLES.map((r) => readReport(join(dir, `report-${r.name}.json`)));
      const { busy, other } = collectErrors(reports);
      const books = ledger(settings.dbPath, join(dir, 'archive', 'logs'), reports);

      const archiver = reports.find((r) => r.name === 'archiver') as ChildReport & {
        daysArchived: number;
        rowsMoved: number;
      };
      const reader = reports.find((r) => r.name === 'reader') as ChildReport;
      const { calls, cliRuns } = totalCalls(reports);
      console.log(
        [
          `concurrency: ${ROLES.length} processes and ${cliRuns} CLI runs beside them for ${SECONDS} s, seed ${baseSeed}`,
          opsTable(reports),
          `calls in all: ${calls} (each appendAsync counted once per row)`,
          `reader: ${reader.checks} consistency checks`,
          `archiver: ${archiver.daysArchived} days, ${archiver.rowsMoved} rows moved`,
          `rows acknowledged ${books.acknowledged}, in SQLite ${books.inDb}, in the archive ${books.inArchive}`,
          `lost ${books.lost.length}, duplicated ${books.duplicated.length}, unacknowledged extras ${books.extra.length}`,
          `errors: ${busy.length} "database is locked", ${other.length} other`,
        ].join('\n'),
      );
      expect(busy, `SQLITE_BUSY reached a caller:\n${busy.join('\n')}`).toEqual([]);
      expect(other, other.join('\n')).toEqual([]);
      expect(books.lost, 'acknowledged rows missing').toEqual([]);
      expect(books.duplicated, 'rows stored twice').toEqual([]);
      expect(books.extra, 'rows nobody acknowledged').toEqual([]);
      expect(books.acknowledged).toBeGreaterThan(1000);
      expect(archiver.rowsMoved).toBeGreaterThan(0);
      expect(reader.checks).toBeGreaterThan(100);
    },
    SECONDS * 1000 + 120_000,
  );
});
