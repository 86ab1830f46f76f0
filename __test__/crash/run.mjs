// npm run test:crash: the long kill loop. CRASH_KILLS (default 200), CRASH_PER_DIR (kills on one
// data directory, default 40), CRASH_SEED (default 1); CRASH_KEEP=1 keeps the data directories.
import { runCrashLoop, summary } from './loop.mjs';

const kills = Number(process.env.CRASH_KILLS ?? 200);
const perDir = Number(process.env.CRASH_PER_DIR ?? 40);
const seed = Number(process.env.CRASH_SEED ?? 1);
if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(perDir) || perDir < 1 || !Number.isInteger(seed)) {
  console.error('CRASH_KILLS and CRASH_PER_DIR must be positive integers, CRASH_SEED an integer');
  process.exit(2);
}
const started = performance.now();
const t = await runCrashLoop({
  kills,
  perDir,
  seed,
  keep: process.env.CRASH_KEEP === '1',
  onKill: ({ dir, run, problems }) => {
    if (problems.length > 0) for (const p of problems.slice(0, 20)) console.error(`dir-${dir} run ${run}: ${p}`);
    else if ((dir * perDir + run + 1) % 25 === 0) console.error(`... ${dir * perDir + run + 1} kills`);
  },
});
console.log(summary(t, (performance.now() - started) / 1000));
if (t.problems.length > 0) {
  console.error(`FAILED: ${t.problems.length} problems; data kept in ${t.dataRoot}`);
  process.exit(1);
}
