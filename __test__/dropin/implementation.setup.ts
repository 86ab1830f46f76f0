// Setup file of the two drop-in projects (vitest.config.mjs): fails the run when
// "@uncaged/nerve-store" does not resolve to the implementation the project says it tests, so a
// broken alias cannot silently test the reference twice.
import { createRequire } from 'node:module';
import * as loaded from '@uncaged/nerve-store';

const native = createRequire(import.meta.url)('../../index.js') as typeof loaded;
const expected = process.env.NERVE_STORE_IMPL;
const actual = loaded.createLogStore === native.createLogStore ? 'native' : 'reference';
if (actual !== expected) {
  throw new Error(
    `"@uncaged/nerve-store" resolved to the ${actual} implementation; this project tests the ${expected} one`,
  );
}
