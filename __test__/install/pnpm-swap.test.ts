// The monorepo swap as the nerve daemon does it: a pnpm workspace whose daemon package depends on
// `@uncaged/nerve-store`, pointed at this package's packed tarball. The daemon's TypeScript
// (strict, NodeNext) is compiled with tsc and run, a vitest spec runs inside the workspace, and
// `pnpm exec nerve-store stats` reads what the daemon wrote: all with no `cargo` on PATH, so
// nothing can be built from source. The tarball's linux-x64-gnu binary must be the portable one
// (glibc 2.17 at most).
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const PNPM = join(ROOT, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nerve-store-native');
const PKG = require('../../package.json');
const DEV = PKG.devDependencies as Record<string, string>;

const tmp = mkdtempSync(join(tmpdir(), 'nerve-store-install-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// node, and the system's basic tools (sh, sed, tar); no cargo, no rustup.
const bin = join(tmp, 'bin');
mkdirSync(bin);
symlinkSync(process.execPath, join(bin, 'node'));
const PATH = [bin, '/usr/bin', '/bin'].join(delimiter);
// The rest of the environment stays (proxy and certificate settings, say), less npm's own
// variables from the outer `npm run` and anything naming a Rust toolchain.
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|CARGO|RUSTUP|RUSTC|VITEST|NODE_OPTIONS$)/i.test(k)),
);
Object.assign(env, { PATH, NO_COLOR: '1', CI: 'true', npm_config_store_dir: join(CACHE, 'pnpm-store') });

// Asynchronous, so that the test worker keeps answering vitest during the long steps.
const execFileP = promisify(execFile);
async function sh(cmd: string, args: string[], cwd: string, childEnv: NodeJS.ProcessEnv = env): Promise<string> {
  try {
    const r = await execFileP(cmd, args, {
      cwd,
      encoding: 'utf8',
      timeout: 600_000,
      env: childEnv,
      maxBuffer: 64 << 20,
    });
    return r.stdout;
  } catch (e) {
    const err = e as { code?: unknown; stderr?: string; stdout?: string };
    throw new Error(`${cmd} ${args.join(' ')} exited ${String(err.code)}: ${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}
const pnpm = (args: string[], cwd: string) => sh(process.execPath, [PNPM, ...args], cwd);

function onPath(name: string): string | null {
  for (const dir of PATH.split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

const DAEMON_TS = `
import { createBlobStore, createLogStore, DEFAULT_LOG_RETENTION_MS } from '@uncaged/nerve-store';
import type { LogEntry, LogStore, WorkflowRun } from '@uncaged/nerve-store';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: daemon <dataDir>');
const logs = createLogStore(dataDir + '/logs.db');
const asReference: LogStore = logs; // the reference's type, unchanged
const now = Date.now();
const tick: LogEntry = logs.append({ source: 'sense', type: 'tick', refId: null, payload: '{"n":1}', timestamp: now });
const run: WorkflowRun = { runId: 'run-1', workflow: 'daily', status: 'started', timestamp: now, exitCode: null };
logs.upsertWorkflowRun({ source: 'workflow', type: 'started', refId: run.runId, payload: '{"trigger":"cron"}', timestamp: now }, run);
logs.appendMany([1, 2, 3].map((n) => ({ source: 'sense', type: 'batch', refId: null, payload: String(n), timestamp: now + n })));
const hash: string = createBlobStore(dataDir + '/blobs').write('daemon output');
console.log(JSON.stringify({
  firstId: tick.id,
  rows: logs.query({}).length,
  active: logs.getActiveWorkflowRuns().map((r) => r.runId),
  hash,
  retentionDays: DEFAULT_LOG_RETENTION_MS / 86_400_000,
  node: process.version,
}));
asReference.close();
`;

const SPEC_TS = `
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBlobStore, createLogStore, normalizeBlobHash } from '@uncaged/nerve-store';

describe('@uncaged/nerve-store in the daemon workspace', () => {
  it('is the native package, with its prebuilt binary', () => {
    const entry = createRequire(import.meta.url).resolve('@uncaged/nerve-store');
    const pkgDir = dirname(entry);
    expect(readdirSync(pkgDir).filter((f) => f.endsWith('.node'))).toEqual(['nerve-store.linux-x64-gnu.node']);
    expect(createRequire(import.meta.url)('@uncaged/nerve-store/package.json').name).toBe('nerve-store-native');
  });
  it('stores, queries and archives through the native binding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'daemon-spec-'));
    const logs = createLogStore(join(dir, 'logs.db'));
    const day = 86_400_000;
    const old = Date.UTC(2020, 0, 1);
    logs.append({ source: 'sense', type: 'old', refId: null, payload: null, timestamp: old });
    logs.append({ source: 'sense', type: 'new', refId: null, payload: null, timestamp: old + 40 * day });
    const result = logs.archiveLogs({ now: old + 40 * day });
    expect(result.days.length).toBeGreaterThan(0);
    expect(logs.query({}).map((e) => e.type)).toEqual(['new']);
    logs.close();
    const blobs = createBlobStore(join(dir, 'blobs'));
    const hash = blobs.write('spec');
    expect(normalizeBlobHash(hash.toUpperCase())).toBe(hash);
    expect(blobs.read(hash)?.toString()).toBe('spec');
  });
});
`;

describe('the monorepo swap: a pnpm workspace on the packed tarball', () => {
  it('packs the portable binary, installs with pnpm, compiles and runs the daemon, its vitest spec and nerve-store stats, with no cargo', async () => {
    expect(onPath('cargo')).toBeNull();
    expect(onPath('rustc')).toBeNull();
    expect(onPath('node')).toBe(join(bin, 'node'));

    // npm pack runs prepack: the portable build (quick when up to date) and its glibc check.
    const packed = JSON.parse(await sh('npm', ['pack', '--json', '--pack-destination', tmp], ROOT, process.env));
    const tarball = join(tmp, packed[0].filename);
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files.filter((f) => f.endsWith('.node'))).toEqual(['nerve-store.linux-x64-gnu.node']);
    expect(files).toContain('binding.js');
    const unpacked = join(tmp, 'unpacked');
    mkdirSync(unpacked);
    await sh('tar', ['xzf', tarball, '-C', unpacked], tmp);
    const glibc = await sh(
      process.execPath,
      [join(ROOT, 'scripts', 'check-glibc.mjs'), join(unpacked, 'package', 'nerve-store.linux-x64-gnu.node')],
      tmp,
    );
    console.log(glibc.trim());
    expect(glibc).toMatch(/highest GLIBC symbol version GLIBC_2\.(1[0-7]|[0-9]) .*: ok/);

    const ws = join(tmp, 'nerve');
    const daemon = join(ws, 'packages', 'daemon');
    mkdirSync(join(daemon, 'src'), { recursive: true });
    mkdirSync(join(daemon, 'test'));
    writeFileSync(join(ws, 'package.json'), JSON.stringify({ name: 'nerve', private: true }, null, 2));
    writeFileSync(join(ws, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
    writeFileSync(
      join(daemon, 'package.json'),
      JSON.stringify(
        {
          name: '@uncaged/nerve-daemon',
          version: '0.0.0',
          private: true,
          type: 'module',
          dependencies: { '@uncaged/nerve-store': `file:${tarball}` },
          devDependencies: { '@types/node': DEV['@types/node'], typescript: DEV.typescript, vitest: DEV.vitest },
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(daemon, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          outDir: 'dist',
          rootDir: 'src',
          types: ['node'],
        },
        include: ['src'],
      }),
    );
    writeFileSync(join(daemon, 'src', 'daemon.ts'), DAEMON_TS);
    writeFileSync(join(daemon, 'test', 'store.spec.ts'), SPEC_TS);

    const install = await pnpm(['install', '--no-frozen-lockfile', '--reporter=append-only'], ws);
    console.log(`pnpm install:\n${install.trim().split('\n').slice(-6).join('\n')}`);
    expect(existsSync(join(daemon, 'node_modules', '@uncaged', 'nerve-store', 'nerve-store.linux-x64-gnu.node'))).toBe(
      true,
    );

    await pnpm(['exec', 'tsc', '-p', '.'], daemon);
    const data = join(tmp, 'data');
    const out = await sh('node', [join(daemon, 'dist', 'daemon.js'), data], daemon);
    console.log(`node dist/daemon.js:\n${out.trim()}`);
    expect(JSON.parse(out)).toMatchObject({ firstId: 1, rows: 5, active: ['run-1'], retentionDays: 30 });

    const spec = await pnpm(['exec', 'vitest', 'run', '--reporter=verbose'], daemon);
    console.log(
      `pnpm exec vitest run:\n${spec
        .trim()
        .split('\n')
        .filter((l) => /✓|×|Test|passed|failed/.test(l))
        .join('\n')}`,
    );
    expect(spec).toMatch(/Tests\s+2 passed/);

    const stats = await pnpm(['exec', 'nerve-store', 'stats', '--data', data], daemon);
    console.log(`pnpm exec nerve-store stats:\n${stats.trim()}`);
    expect(stats).toMatch(/log rows\s+5\b/);
    expect(JSON.parse(await pnpm(['exec', 'nerve-store', 'stats', '--json', '--data', data], daemon))).toMatchObject({
      rows: 5,
      runs: 1,
      blobs: 1,
    });
    expect(readdirSync(join(tmp))).toContain(packed[0].filename);
  });
});
