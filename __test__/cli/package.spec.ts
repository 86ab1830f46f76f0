// End to end: the packed tarball installed into a fresh project, imported from an ESM TypeScript
// file (compiled with tsc) and from CommonJS, and the command run through npx.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers';

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const ESM_TS = `
import { createLogStore, createBlobStore, normalizeBlobHash, DEFAULT_LOG_RETENTION_MS } from 'nerve-store-native';
import type { LogEntry, WorkflowRun } from 'nerve-store-native';

const dir = process.argv[2]!;
const store = createLogStore(dir + '/logs.db');
const entry: LogEntry = store.append({ source: 'esm', type: 'tick', refId: null, payload: '{}', timestamp: Date.now() });
const run: WorkflowRun = { runId: 'r1', workflow: 'w', status: 'started', timestamp: Date.now(), exitCode: null };
store.upsertWorkflowRun({ source: 'workflow', type: 'started', refId: 'r1', payload: null, timestamp: run.timestamp }, run);
const many = store.appendMany([{ source: 'esm', type: 'batch', refId: null, payload: null, timestamp: 1 }]);
const hash = createBlobStore(dir + '/blobs').write('from esm');
console.log(JSON.stringify({ id: entry.id, batch: many.length, active: store.getActiveWorkflowRuns().length, hash: normalizeBlobHash(hash), retention: DEFAULT_LOG_RETENTION_MS }));
store.close();
`;

const CJS = `
const { createLogStore, createBlobStore } = require('nerve-store-native');
const dir = process.argv[2];
const store = createLogStore(dir + '/logs.db');
const rows = store.query({ source: 'esm' });
const blob = createBlobStore(dir + '/blobs').read(process.argv[3]);
console.log(JSON.stringify({ rows: rows.length, blob: blob && blob.toString() }));
store.close();
`;

describe('the packed package', () => {
  it('installs from its tarball, imports from ESM TypeScript and CommonJS, and runs through npx', () => {
    const tmp = tempDir();
    const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT));
    const tarball = join(tmp, packed[0].filename);
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('cli/nerve-store.js');
    expect(files.some((f) => /^nerve-store\..*\.node$/.test(f))).toBe(true);
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('__test__/'))).toBe(false);

    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
    expect(existsSync(join(app, 'node_modules', '.bin', 'nerve-store'))).toBe(true);

    // ESM TypeScript, type-checked against the installed package's declarations.
    writeFileSync(join(app, 'main.mts'), ESM_TS);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['main.mts'],
      }),
    );
    sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
    const data = join(tmp, 'data');
    const esm = JSON.parse(sh(process.execPath, ['main.mjs', data], app));
    expect(esm).toMatchObject({ id: 1, batch: 1, active: 1, retention: 30 * 86_400_000 });

    writeFileSync(join(app, 'main.cjs'), CJS);
    expect(JSON.parse(sh(process.execPath, ['main.cjs', data, esm.hash], app))).toEqual({ rows: 2, blob: 'from esm' });

    const stats = JSON.parse(sh('npx', ['--no', 'nerve-store', 'stats', '--json', '--data', data], app));
    expect(stats).toMatchObject({ rows: 3, runs: 1, runsByStatus: { started: 1 }, blobs: 1 });
    const demo = sh('npx', ['--no', 'nerve-store', 'demo', '--data', join(tmp, 'demo'), '--days', '3'], app);
    expect(demo).toMatch(/log rows\s+\d+/);
    expect(sh('npx', ['--no', 'nerve-store', 'check', '--data', join(tmp, 'demo')], app)).toMatch(/check passed\n$/);
  }, 120_000);
});
