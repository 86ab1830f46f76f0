import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.spec.ts'],
    // Each file opens its own SQLite files; forks keep native handles out of shared workers.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
