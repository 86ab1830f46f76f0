import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:install`: the packed package as a consumer gets it. Kept out of `npm test` (whose
// config takes *.spec.ts only): packing builds the portable binary, and the pnpm workspace
// installs from the registry.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['__test__/install/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
