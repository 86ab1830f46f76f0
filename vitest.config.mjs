import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const DROPIN = '__test__/dropin/**/*.spec.ts';
const YIELD_SETUP = '__test__/support/yield.setup.ts';
const DROPIN_SETUP = [YIELD_SETUP, '__test__/dropin/implementation.setup.ts'];

// Three projects. Every spec outside __test__/dropin runs once ("main"). The drop-in spec is
// written against `@uncaged/nerve-store` only and runs twice, unchanged: once against the
// TypeScript reference (needs Node >= 22.5 for node:sqlite) and once with the bare specifier
// aliased to this package (the ESM entry, index.mjs). A path filter such as
// `vitest run __test__/native` leaves the drop-in projects with nothing to run.
export default defineConfig({
  test: {
    // Each file opens its own SQLite files; forks keep native handles out of shared workers.
    pool: 'forks',
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['__test__/**/*.spec.ts'],
          setupFiles: [YIELD_SETUP],
          exclude: ['**/node_modules/**', DROPIN],
        },
      },
      {
        extends: true,
        test: {
          name: 'dropin:reference',
          include: [DROPIN],
          setupFiles: DROPIN_SETUP,
          env: { NERVE_STORE_IMPL: 'reference' },
        },
      },
      {
        extends: true,
        resolve: {
          alias: [{ find: /^@uncaged\/nerve-store$/, replacement: `${root}index.mjs` }],
        },
        test: {
          name: 'dropin:native',
          include: [DROPIN],
          setupFiles: DROPIN_SETUP,
          env: { NERVE_STORE_IMPL: 'native' },
        },
      },
    ],
  },
});
