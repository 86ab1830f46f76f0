// The remote tier's section of `npm run bench`: bench/remote.mjs run in a child process (it starts
// and stops its own Garage), its figures and targets in the report.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remoteTargetRows } from './remote.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const remote = {
  key: 'remote',
  name: 'remote tier on a loopback Garage: 1 KiB write cost, push vs rclone, 1 GiB in bounded memory',
  async run(env, o, log) {
    const out = join(env.tmp, 'remote.json');
    const bigMib = o.quick ? 64 : 1024;
    const r = spawnSync(
      process.execPath,
      [join(HERE, 'remote.mjs'), '--json', out, '--big-mib', String(bigMib), '--rounds', String(o.quick ? 6 : 20)],
      { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30 * 60_000 },
    );
    for (const line of (r.stderr ?? '').split('\n')) if (line.startsWith('  ')) log(line.trim());
    if (r.status !== 0) return { error: (r.stderr ?? '').trim().slice(-500) || `exit ${r.status ?? r.signal}` };
    return JSON.parse(readFileSync(out, 'utf8'));
  },
  print(r) {
    console.log('\nremote tier (one-node Garage on loopback, its data in memory, at nice 19):');
    if (r.error) console.log(`  could not run: ${r.error}`);
    else for (const [, name, , figure] of remoteTargetRows(r)) console.log(`  ${name}: ${figure}`);
  },
};

export const REMOTE_SECTIONS = { remote };

/** The remote targets for the report, in the shape of targets.mjs. */
export function remoteTargets(r) {
  const names = [
    ['1 KiB blob write, remote on / off', '<= 1.10x'],
    ['push 1,000 x 64 KiB blobs + 30 days vs rclone copy', '>= 1.00x'],
    ['1 GiB blob up and down: peak RSS growth', '<= 64 MiB'],
  ];
  if (!r || r.error)
    return names.map(([target, threshold]) => ({ target, threshold, status: 'not measured', figure: r?.error ?? '-' }));
  return remoteTargetRows(r).map(([status, , threshold, figure], i) => ({
    target: names[i][0],
    threshold,
    status,
    figure,
  }));
}
