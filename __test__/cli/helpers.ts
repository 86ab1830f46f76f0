// Runs the real `nerve-store` command (cli/nerve-store.js) in a child process against real data
// directories under the OS temp dir.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = resolve(__dirname, '../..');
export const BIN = join(ROOT, 'cli', 'nerve-store.js');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed after the file's tests. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nerve-store-cli-'));
  dirs.push(d);
  return d;
}

export type Run = { code: number | null; stdout: string; stderr: string };

/** `nerve-store ...args`, waited for. */
export function cli(args: string[], opts: { input?: string | Buffer; cwd?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `nerve-store ...args` left running; `wait(text)` resolves once stdout holds `text`. */
export function cliRunning(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    async wait(text: string, ms = 10_000): Promise<void> {
      const until = Date.now() + ms;
      while (!stdout.includes(text)) {
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${JSON.stringify(text)}; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** A data directory filled by `nerve-store demo` (days of history, seeded). */
export function demoDir(days = 40, seed = 7): string {
  const dir = join(tempDir(), 'data');
  const r = cli(['demo', '--data', dir, '--days', String(days), '--seed', String(seed)]);
  if (r.code !== 0) throw new Error(`demo failed: ${r.stderr}`);
  return dir;
}

/** The single stderr line of a failed command, without its trailing newline. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got: ${stderr}`);
  return lines[0]!;
}
