// The blob store and normalizeBlobHash on both implementations: every content class the types
// allow (string, Buffer, Uint8Array, views at an offset), hash spellings (case, JavaScript's
// trim() whitespace and look-alikes), damaged files and paths taken by directories or files.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capture, codeAdded, type Outcome, showOutcome } from './support/canon';
import { strArb } from './support/gen';
import { ours, reference, tree } from './support/harness';
import { reportStats, stats } from './support/stats';

const SEED = 424_242;
let dir = '';
const problems: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nerve-parity-blob-'));
  problems.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Compares outcomes with each side's directory written as <ROOT>. */
function compare(what: string, r: Outcome, o: Outcome): void {
  stats.comparisons += 1;
  const a = showOutcome(r).split(join(dir, 'ref')).join('<ROOT>');
  const b = showOutcome(o).split(join(dir, 'ours')).join('<ROOT>');
  if (a === b || codeAdded(r, o, { ref: join(dir, 'ref'), ours: join(dir, 'ours') })) return;
  if (problems.length < 20) problems.push(`${what}\n    reference: ${a}\n    ours:      ${b}`);
}

function both(what: string, fn: (mod: typeof reference, root: string) => unknown): void {
  stats.operations += 1;
  compare(
    what,
    capture(() => fn(reference, join(dir, 'ref'))),
    capture(() => fn(ours, join(dir, 'ours'))),
  );
}

function done(): void {
  stats.comparisons += 1;
  const a = tree(join(dir, 'ref'));
  const b = tree(join(dir, 'ours'));
  if (a !== b) problems.push(`directory trees\n    reference: ${a}\n    ours:      ${b}`);
  expect(problems, `seed ${SEED}:\n${problems.join('\n')}`).toEqual([]);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('blob store', () => {
  afterAll(() => reportStats('blob-store'));

  it('normalizeBlobHash agrees on seeded strings around valid hashes', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 60, maxLength: 68 });
    const ws = fc.constantFrom(
      ' ',
      '\t',
      '\n',
      '\r',
      '\v',
      '\f',
      '\u00a0',
      '\u1680',
      '\u2000',
      '\u2007',
      '\u200a',
      '\u2028',
      '\u2029',
      '\u202f',
      '\u205f',
      '\u3000',
      '\ufeff',
      '\u0085',
      '\u180e',
      '\u200b',
      '\u0000',
      '',
    );
    const input = fc.oneof(
      fc.tuple(ws, hex, ws, ws).map(([a, h, b, c]) => `${a}${h}${b}${c}`),
      fc
        .tuple(hex, fc.nat(), fc.constantFrom('g', 'G', 'İ', 'K', 'ß', 'ｆ', '\ud800', '-', ' '))
        .map(([h, i, ch]) => `${h.slice(0, i % h.length)}${ch}${h.slice((i % h.length) + 1)}`),
      strArb,
    );
    for (const h of fc.sample(input, { seed: SEED, numRuns: 20_000 })) {
      both(`normalizeBlobHash(${JSON.stringify(h)})`, (mod) => mod.normalizeBlobHash(h));
    }
    done();
  });

  it('write, read and exists agree for every content class', () => {
    const bytes = fc.uint8Array({ maxLength: 300 });
    const content = fc.oneof(
      strArb.map((s) => ({ label: `string ${JSON.stringify(s)}`, make: () => s as string | Uint8Array })),
      bytes.map((b) => ({ label: `Buffer ${sha(b)}`, make: () => Buffer.from(b) })),
      bytes.map((b) => ({ label: `Uint8Array ${sha(b)}`, make: () => new Uint8Array(b) })),
      fc.tuple(bytes, fc.nat(), fc.nat()).map(([b, x, y]) => ({
        label: `view ${sha(b)} ${x} ${y}`,
        make: () => {
          const start = b.length ? x % b.length : 0;
          return new Uint8Array(b).subarray(start, start + (b.length ? y % (b.length - start + 1) : 0));
        },
      })),
      bytes.map((b) => ({
        label: `Buffer slice ${sha(b)}`,
        make: () => Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(b)]).subarray(3),
      })),
      fc.constant({ label: 'pooled Buffer', make: () => Buffer.from('pooled') }),
      fc.constant({ label: 'empty string', make: () => '' }),
      fc.constant({ label: 'empty Uint8Array', make: () => new Uint8Array(0) }),
      fc.constant({ label: '256 KiB', make: () => Buffer.alloc(1 << 18, 7) }),
    );
    const cases = fc.sample(content, { seed: SEED + 1, numRuns: 200 });
    for (const [i, c] of cases.entries()) {
      both(`write ${c.label}`, (mod, root) => mod.createBlobStore(root).write(c.make()));
      // Written twice: the second call verifies the file already there.
      both(`write again ${c.label}`, (mod, root) => mod.createBlobStore(root).write(c.make()));
      const b = c.make();
      const h = sha(typeof b === 'string' ? Buffer.from(b, 'utf8') : b);
      for (const spelled of [h, h.toUpperCase(), ` ${h}\n`, `\ufeff${h}\u3000`, h.slice(1), `${h}0`]) {
        both(`read ${JSON.stringify(spelled)}`, (mod, root) => mod.createBlobStore(root).read(spelled));
        both(`exists ${JSON.stringify(spelled)}`, (mod, root) => mod.createBlobStore(root).exists(spelled));
      }
      if (i % 50 === 0)
        both('read of a hash never written', (mod, root) => mod.createBlobStore(root).read('f'.repeat(64)));
    }
    done();
  });

  it('agree on a missing root, odd root spellings and relative roots', () => {
    both('read under a missing root', (mod, root) => mod.createBlobStore(join(root, 'missing')).read('a'.repeat(64)));
    both('exists under a missing root', (mod, root) =>
      mod.createBlobStore(join(root, 'missing')).exists('a'.repeat(64)),
    );
    both('write under a root spelled with // and a trailing /', (mod, root) =>
      mod.createBlobStore(`${root}//x/./y/`).write('spelled'),
    );
    both('read it back through the plain spelling', (mod, root) =>
      mod.createBlobStore(join(root, 'x', 'y')).read(sha(Buffer.from('spelled'))),
    );
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      both('write under a relative root', (mod, root) =>
        mod.createBlobStore(`./${root.slice(dir.length + 1)}/rel/../rel2`).write('relative'),
      );
    } finally {
      process.chdir(cwd);
    }
    done();
  });

  it('agree on damaged blobs: wrong bytes, a directory in place of a file, a file in place of the root', () => {
    const h = sha(Buffer.from('hello'));
    for (const side of ['ref', 'ours']) {
      const root = join(dir, side);
      mkdirSync(join(root, h.slice(0, 2)), { recursive: true });
      writeFileSync(join(root, h.slice(0, 2), h.slice(2)), 'not hello');
      const d = sha(Buffer.from('dir'));
      mkdirSync(join(root, d.slice(0, 2), d.slice(2)), { recursive: true });
      writeFileSync(join(dir, `${side}-file`), 'x');
    }
    both('read of a damaged blob', (mod, root) => mod.createBlobStore(root).read(h));
    both('write over a damaged blob', (mod, root) => mod.createBlobStore(root).write('hello'));
    both('exists of a damaged blob', (mod, root) => mod.createBlobStore(root).exists(h));
    const d = sha(Buffer.from('dir'));
    both('read where a directory holds the blob path', (mod, root) => mod.createBlobStore(root).read(d));
    both('write where a directory holds the blob path', (mod, root) => mod.createBlobStore(root).write('dir'));
    both('exists where a directory holds the blob path', (mod, root) => mod.createBlobStore(root).exists(d));
    both('write under a root that is a file', (mod, root) => mod.createBlobStore(`${root}-file`).write('x'));
    both('read under a root that is a file', (mod, root) => mod.createBlobStore(`${root}-file`).read(h));
    done();
  });
});
