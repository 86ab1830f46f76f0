// Every BlobStore member, createBlobStore and normalizeBlobHash, called with hostile arguments on
// fresh stores of both implementations (see support/cases.ts). Hashes include `../`, absolute
// paths, NUL and wrong lengths: whatever they are, nothing is read or written outside the root.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { ours, reference } from '../parity/support/harness';
import { type Call, type Ctx, checkCall } from './support/cases';
import { reportTally } from './support/tally';
import { pathArg, stringArg } from './support/values';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 40);

type AnyFn = (...a: unknown[]) => any;
const member = (c: Ctx, name: string): AnyFn => (c.blobs as unknown as Record<string, AnyFn>)[name];
const same = (name: string) => (c: Ctx, a: unknown[]) => member(c, name)(...a);

const hashArg = () => stringArg('hash', 'hashUpperSpaced', 'hashDotDot', 'hashAbsolute', 'hashNul');
const contentArg = () => stringArg('json', 'buffer', 'uint8', 'empty', 'huge', 'loneHigh');
const fileArg = () => stringArg('input', 'missing', 'empty');

/**
 * The file a counterpart reads or writes. Only a string is a path here: node:fs would take a
 * number as a file descriptor (0 is the worker's stdin) and a Buffer as a path.
 */
function filePath(path: unknown): string {
  if (typeof path !== 'string') throw new TypeError('not a path string');
  return pathArg(path) as string;
}

/** `readToFile` as the reference would do it: read, then write the bytes where asked. */
function refReadToFile(c: Ctx, [hash, path]: unknown[]): boolean {
  const file = filePath(path);
  const bytes = member(c, 'read')(hash) as Buffer | null;
  if (bytes === null) return false;
  writeFileSync(file, bytes);
  return true;
}

const CALLS: Call[] = [
  { name: 'write', on: 'blob', args: [contentArg()], names: ['content'], ours: same('write'), ref: same('write') },
  { name: 'read', on: 'blob', args: [hashArg()], names: ['hash'], ours: same('read'), ref: same('read') },
  { name: 'exists', on: 'blob', args: [hashArg()], names: ['hash'], ours: same('exists'), ref: same('exists') },
  {
    name: 'writeAsync',
    on: 'blob',
    args: [contentArg()],
    names: ['content'],
    ours: same('writeAsync'),
    ref: same('write'),
  },
  { name: 'readAsync', on: 'blob', args: [hashArg()], names: ['hash'], ours: same('readAsync'), ref: same('read') },
  {
    name: 'writeFile',
    on: 'blob',
    args: [fileArg()],
    names: ['path'],
    ours: (c, [path, ...rest]) => member(c, 'writeFile')(pathArg(path), ...rest),
    ref: (c, [path]) => member(c, 'write')(readFileSync(filePath(path))),
    errorsByCode: true,
  },
  {
    name: 'readToFile',
    on: 'blob',
    args: [hashArg(), fileArg()],
    names: ['hash', 'path'],
    ours: (c, [hash, path, ...rest]) => member(c, 'readToFile')(hash, pathArg(path), ...rest),
    ref: refReadToFile,
    errorsByCode: true,
  },
  {
    name: 'createBlobStore',
    on: 'module',
    args: [stringArg('input', 'empty')],
    // `options` is this package's addition (options.remote): an extra argument of another type is
    // refused by that name.
    names: ['blobsRoot', 'options'],
    // The store's reference members, and a first write through it (relative roots land in the
    // case's working directory).
    ours: (c, [root, ...rest]) => {
      const s = (c.mod.createBlobStore as AnyFn)(pathArg(root), ...rest);
      return [Object.keys(s).filter((k) => ['write', 'read', 'exists'].includes(k)), s.write('hello')];
    },
    ref: (c, [root, ...rest]) => {
      const s = (c.mod.createBlobStore as AnyFn)(pathArg(root), ...rest);
      return [Object.keys(s), s.write('hello')];
    },
  },
  {
    name: 'normalizeBlobHash',
    on: 'pure',
    args: [hashArg()],
    names: ['hash'],
    ours: (_c, a) => (ours.normalizeBlobHash as AnyFn)(...a),
    ref: (_c, a) => (reference.normalizeBlobHash as AnyFn)(...a),
  },
];

describe('hostile arguments: blob store', () => {
  afterAll(() => reportTally('blob-store', 3));
  for (const call of CALLS) {
    const runs = call.on === 'pure' ? RUNS * 10 : RUNS;
    it(`${call.name}: the reference's result or a refusal naming the argument`, () => checkCall(call, runs), 300_000);
  }
});
