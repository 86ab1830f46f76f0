import { describe, expect, it } from 'vitest';
import { cli, oneLine } from './helpers';

const COMMANDS = [
  ['stats'],
  ['logs'],
  ['runs'],
  ['thread'],
  ['archive'],
  ['blob'],
  ['blob', 'put'],
  ['blob', 'get'],
  ['blob', 'verify'],
  ['check'],
  ['demo'],
];

describe('nerve-store usage', () => {
  it('--help works on the program and every command, with the exit codes, exit 0', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    for (const [c] of COMMANDS) expect(top.stdout).toContain(`\n  ${c}`);
    for (const cmd of COMMANDS) {
      const r = cli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: nerve-store ${cmd.join(' ')}`));
      expect(r.stdout).toContain('Exit codes:\n  0  success');
      expect(r.stdout).toContain('3  damage found');
      expect(r.stdout).toContain('-d, --data <dir>');
    }
  });

  it('--version prints the package version', () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('usage errors exit 2 with one line and no stack trace', () => {
    for (const args of [['frobnicate'], ['logs', '--bogus'], ['blob', 'get'], ['stats', '--data']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^nerve-store: .* \(see --help\)$/);
    }
  });
});
