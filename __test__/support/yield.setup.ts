// Many specs run long synchronous loops (property tests, parity scenarios). Between synchronous
// tests the runner only awaits microtasks, so the worker never reads the replies to its progress
// messages; once a file's tests add up to a minute (a loaded machine), vitest reports
// 'Timeout calling "onTaskUpdate"' although every test passed. One macrotask turn after each test
// lets the worker read them.
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
