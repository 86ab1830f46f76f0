// The books of the sustained multi-process test: what each child reported, and whether every
// acknowledged row is exactly once in SQLite or in the archive files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogStore } from '../../index.mjs';

export type ChildError = {
  op: string;
  name: string;
  code: string | null;
  errcode: number | null;
  errstr: string | null;
  message: string;
};
export type ChildReport = {
  name: string;
  ops: Record<string, number>;
  acks: Array<[number, string]>;
  errors: ChildError[];
  checks: number;
};

export function readReport(path: string): ChildReport {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes included, or their message. */
function isBusy(e: ChildError): boolean {
  const primary = (e.errcode ?? 0) & 0xff;
  return primary === 5 || primary === 6 || /database (table )?is locked/.test(e.message);
}

export function collectErrors(reports: ChildReport[]): { busy: string[]; other: string[] } {
  const busy: string[] = [];
  const other: string[] = [];
  for (const r of reports) {
    for (const e of r.errors)
      (isBusy(e) ? busy : other).push(`${r.name} ${e.op}: ${e.name} ${e.code} ${e.errcode ?? ''} ${e.message}`);
  }
  return { busy, other };
}

export function opsTable(reports: ChildReport[]): string {
  return reports
    .map((r) => {
      const ops = Object.entries(r.ops)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      return `  ${r.name.padEnd(8)} ${ops}`;
    })
    .join('\n');
}

/** Calls made, in all: sub-counts ("appendAsync rows", "with vacuum") are not calls of their own. */
export function totalCalls(reports: ChildReport[]): { calls: number; cliRuns: number } {
  let calls = 0;
  let cliRuns = 0;
  for (const r of reports) {
    for (const [k, n] of Object.entries(r.ops)) {
      if (k === 'appendAsync rows' || k === 'with vacuum') continue;
      if (k === 'appendAsync') calls += r.ops['appendAsync rows'] ?? n;
      else calls += n;
      if (k.startsWith('cli')) cliRuns += n;
    }
  }
  return { calls, cliRuns };
}

export type Books = {
  acknowledged: number;
  inDb: number;
  inArchive: number;
  lost: string[];
  duplicated: string[];
  extra: string[];
};

function tagOf(payload: string | null): string {
  try {
    return String(JSON.parse(payload ?? 'null')?.tag);
  } catch {
    return '?';
  }
}

/** Every row in SQLite and in the day files, against every row a child was told was committed. */
export function ledger(dbPath: string, archiveDir: string, reports: ChildReport[]): Books {
  const acked = new Map<number, string>();
  const duplicated: string[] = [];
  for (const r of reports) {
    for (const [id, tag] of r.acks) {
      if (acked.has(id)) duplicated.push(`id ${id} acknowledged twice (${acked.get(id)}, ${tag})`);
      acked.set(id, tag);
    }
  }
  const found = new Map<number, { tag: string; where: string }>();
  const note = (id: number, tag: string, where: string) => {
    const before = found.get(id);
    if (before) duplicated.push(`id ${id} in ${before.where} and in ${where}`);
    else found.set(id, { tag, where });
  };
  const store = createLogStore(dbPath);
  const rows = store.query();
  store.close();
  for (const row of rows) note(row.id, tagOf(row.payload), 'logs.db');
  let inArchive = 0;
  const files = existsSync(archiveDir) ? readdirSync(archiveDir).filter((f) => f.endsWith('.jsonl')) : [];
  for (const f of files) {
    for (const line of readFileSync(join(archiveDir, f), 'utf8').split('\n')) {
      if (line === '') continue;
      const row = JSON.parse(line);
      note(row.id, tagOf(row.payload), f);
      inArchive += 1;
    }
  }
  const lost: string[] = [];
  for (const [id, tag] of acked) {
    const f = found.get(id);
    if (!f) lost.push(`id ${id} (${tag}) is nowhere`);
    else if (f.tag !== tag) lost.push(`id ${id} holds ${f.tag} in ${f.where}, acknowledged as ${tag}`);
  }
  const extra = [...found].filter(([id]) => !acked.has(id)).map(([id, f]) => `id ${id} (${f.tag}) in ${f.where}`);
  const tags = new Map<string, number>();
  for (const [id, f] of found) {
    if (tags.has(f.tag)) duplicated.push(`${f.tag} stored as id ${tags.get(f.tag)} and id ${id}`);
    tags.set(f.tag, id);
  }
  return { acknowledged: acked.size, inDb: rows.length, inArchive, lost, duplicated, extra };
}
