// The fixed seeds of the randomized parity run, shared out over two spec files. Environment:
// PARITY_SEEDS=3,17 runs only those seeds (a failure names its seed), PARITY_OPS changes the
// number of operations per scenario, PARITY_KEEP_DIRS=1 keeps a failing scenario's directories,
// PARITY_DEBUG=1 prints how often each call returned what (to see what the generators reach).
import { afterAll, describe, it } from 'vitest';
import { PROFILES } from './gen';
import { debugCounts, runScenario } from './harness';
import { reportStats } from './stats';

export const SCENARIOS = 40;
const OPS = Number(process.env.PARITY_OPS ?? 600);

export function defineScenarios(file: string, part: 0 | 1): void {
  const only = process.env.PARITY_SEEDS?.split(',').map(Number);
  const seeds = Array.from({ length: SCENARIOS }, (_, i) => i + 1)
    .filter((s) => s % 2 === part)
    .filter((s) => !only || only.includes(s));
  describe(`randomized parity (${file})`, () => {
    afterAll(() => {
      reportStats(file);
      if (process.env.PARITY_DEBUG) {
        const lines = [...debugCounts].sort().map(([k, n]) => `${String(n).padStart(6)} ${k}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
    if (seeds.length === 0) it.skip('no seed of this file selected', () => {});
    for (const seed of seeds) {
      const profile = PROFILES[(seed - 1) % PROFILES.length];
      it(`seed ${seed} (${profile}, ${OPS} operations)`, () => runScenario(seed, profile, OPS), 120_000);
    }
  });
}
