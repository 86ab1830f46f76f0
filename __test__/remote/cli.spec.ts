// `nerve-store remote ...` against a one-node Garage: push, status, verify and pull, with the
// credentials only in the environment and never in the output.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBlobStore, createLogStore } from '../../index.mjs';
import { BIN, ROOT, tempDir } from '../cli/helpers';
import { DAY, entry } from '../native/helpers';
import { useGarage } from '../support/garage';

const T0 = Date.UTC(2026, 4, 1, 6);

describe('nerve-store remote', () => {
  const garage = useGarage();

  it('pushes, reports, verifies and pulls; secrets never printed', async () => {
    const g = garage();
    const data = tempDir();
    const blobs = createBlobStore(join(data, 'blobs'));
    const hashes = ['alpha', 'beta', 'gamma'].map((c) => blobs.write(c));
    const logs = createLogStore(join(data, 'logs.db'));
    for (let d = 0; d < 3; d++) logs.append(entry({ timestamp: T0 + d * DAY, payload: `{"d":${d}}` }));
    const days = logs.archiveLogs({ now: T0 + 5 * DAY, retentionMs: DAY }).days.filter((d) => d.rowCount > 0);
    logs.close();
    // Every day file counts, an empty one for a day without rows too.
    const dayCount = readdirSync(join(data, 'archive', 'logs')).filter((f) => f.endsWith('.jsonl')).length;
    const env = { ...process.env, ...g.env(), NO_COLOR: '1' };
    const remote = ['--data', data, '--remote', `s3://${g.bucket}/cli${process.pid}`, '--allow-http'];
    const run = (args: string[], extraEnv = {}) => {
      const r = spawnSync(process.execPath, [BIN, 'remote', ...args, ...remote], {
        cwd: ROOT,
        env: { ...env, ...extraEnv },
        encoding: 'utf8',
        timeout: 120_000,
      });
      for (const out of [r.stdout, r.stderr]) {
        expect(out).not.toContain(g.secretAccessKey);
        expect(out).not.toContain(g.accessKeyId);
      }
      return r;
    };
    const push = run(['push']);
    expect(push.status).toBe(0);
    expect(push.stdout).toContain('blobs: 3 uploaded, 0 pending, 0 failed');
    const status = JSON.parse(run(['status', '--json']).stdout);
    expect(status.days).toMatchObject({ enabled: true, pending: 0 });
    const verified = run(['verify']);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain('3 local blobs, 0 missing remote');
    expect(verified.stdout).toContain(`${dayCount} archive days, 0 missing remote, 0 differing`);
    expect(run(['pull', hashes[1]]).stdout).toBe('beta');
    // A day, as JSON lines: the day file's own lines.
    const day = days[0];
    expect(run(['pull', day.day]).stdout).toBe(readFileSync(day.filePath, 'utf8'));
    // Another data directory adopting the store id reads the same day from the remote.
    const other = spawnSync(
      process.execPath,
      [BIN, 'remote', 'pull', day.day, '--data', tempDir(), ...remote.slice(2), '--store-id', status.storeId],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
    );
    expect(other.stdout).toBe(readFileSync(day.filePath, 'utf8'));
    // A day whose remote copy lost a row: verify names it and fails.
    const key = `cli${process.pid}/archive/${status.storeId}/logs/${days[1].day}.jsonl`;
    await g.objects().put(key, Buffer.from('{"id":1}\n'));
    const altered = run(['verify', '--json']);
    expect(altered.status).toBe(1);
    expect(JSON.parse(altered.stdout).days).toEqual({ count: dayCount, missing: [], differing: [days[1].day] });
    expect(altered.stderr).toContain('1 archive days differ on the remote');
    // A wrong secret: push fails with the coded error, and the secret is not printed.
    const bad = run(['push', '--all'], { AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('ERR_REMOTE_AUTH');
    expect(bad.stdout + bad.stderr).not.toContain('x'.repeat(40));
    const usage = spawnSync(process.execPath, [BIN, 'remote', 'status', '--data', data], {
      cwd: ROOT,
      env: { ...env, NERVE_STORE_REMOTE: '' },
      encoding: 'utf8',
    });
    expect(usage.status).toBe(2);
  }, 180_000);
});
