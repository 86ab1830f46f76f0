// npm run test:crash: the long kill loop. CRASH_KILLS (default 200), CRASH_PER_DIR (kills on one
// data directory, default 40), CRASH_SEED (default 1); CRASH_KEEP=1 keeps the data directories.
// Then the remote phase: CRASH_REMOTE_KILLS more kills (default 40, 0 skips it), CRASH_REMOTE_PER_DIR
// on each directory (default 20), with both stores writing to a one-node Garage on loopback with
// `keepLocal: false` (scripts/garage.mjs; built once into the cache folder when missing).
import { runCrashLoop, summary } from './loop.mjs';

const int = (name, fallback) => Number(process.env[name] ?? fallback);
const kills = int('CRASH_KILLS', 200);
const perDir = int('CRASH_PER_DIR', 40);
const seed = int('CRASH_SEED', 1);
const remoteKills = int('CRASH_REMOTE_KILLS', 40);
const remotePerDir = int('CRASH_REMOTE_PER_DIR', 20);
const positive = [kills, perDir, remotePerDir].every((n) => Number.isInteger(n) && n >= 1);
if (!positive || !Number.isInteger(seed) || !Number.isInteger(remoteKills) || remoteKills < 0) {
  console.error(
    'CRASH_KILLS, CRASH_PER_DIR and CRASH_REMOTE_PER_DIR must be positive integers, CRASH_REMOTE_KILLS a whole number, CRASH_SEED an integer',
  );
  process.exit(2);
}
const keep = process.env.CRASH_KEEP === '1';

async function phase(label, options) {
  const started = performance.now();
  const t = await runCrashLoop({
    seed,
    keep,
    ...options,
    onKill: ({ dir, run, problems }) => {
      const n = dir * options.perDir + run + 1;
      if (problems.length > 0)
        for (const p of problems.slice(0, 20)) console.error(`${label}dir-${dir} run ${run}: ${p}`);
      else if (n % 25 === 0) console.error(`... ${label}${n} kills`);
    },
  });
  console.log(summary(t, (performance.now() - started) / 1000));
  if (t.problems.length > 0) {
    for (const p of t.problems.slice(0, 50)) console.error(p);
    console.error(`FAILED: ${t.problems.length} problems; data kept in ${t.dataRoot}`);
    process.exit(1);
  }
}

await phase('', { kills, perDir });

if (remoteKills > 0) {
  const { ensureGarage, startGarage } = await import('../../scripts/garage.mjs');
  ensureGarage();
  const garage = await startGarage();
  try {
    const prefix = (d) => `crash${process.pid}-dir-${d}`;
    console.log('\nwith a remote (one-node Garage on loopback, keepLocal: false):');
    await phase('remote ', {
      kills: remoteKills,
      perDir: remotePerDir,
      remote: { prefix, options: (d) => garage.remote(prefix(d), { keepLocal: false }), objects: garage.objects() },
    });
  } finally {
    await garage.stop();
  }
}
