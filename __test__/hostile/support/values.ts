// Hostile arguments as plain data: a description prints in a failure report (and replays from
// its seed) without running a getter or a Proxy trap, and each implementation gets freshly built
// values of its own from the same description.
import fc from 'fast-check';
import { strArb } from '../../parity/support/gen';

/** Several megabytes: a string no caller should send, which both sides must survive. */
const HUGE_LEN = 3 * 1024 * 1024;
let huge: string | null = null;
function hugeString(): string {
  huge ??= 'x'.repeat(HUGE_LEN);
  return huge;
}

/** What a hostile getter, toString or Proxy trap throws; the same text on both sides. */
export class HostileThrow extends Error {
  constructor(where: string) {
    super(`hostile ${where}`);
  }
}

class Custom {
  constructor() {
    (this as Record<string, unknown>).source = 'workflow';
  }
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function throwingPrimitive(): object {
  const boom = (): never => {
    throw new HostileThrow('toString');
  };
  return { toString: boom, valueOf: boom, [Symbol.toPrimitive]: boom, toJSON: boom };
}

/** Named values, built anew for each use. Valid ones sit beside hostile ones on purpose. */
export const LITERALS: Record<string, () => unknown> = {
  undefined: () => undefined,
  null: () => null,
  true: () => true,
  false: () => false,
  zero: () => 0,
  negZero: () => -0,
  one: () => 1,
  minusOne: () => -1,
  fraction: () => 1.5,
  negFraction: () => -1.5,
  tiny: () => 5e-324,
  NaN: () => Number.NaN,
  Infinity: () => Infinity,
  negInfinity: () => -Infinity,
  unsafe: () => 2 ** 53,
  negUnsafe: () => -(2 ** 53),
  big: () => 1e300,
  pastDate: () => 8.64e15 + 1,
  maxSafe: () => Number.MAX_SAFE_INTEGER,
  bigint: () => 1n,
  hugeBigint: () => 2n ** 80n,
  symbol: () => Symbol('hostile'),
  function: () => () => 'workflow',
  empty: () => '',
  space: () => ' ',
  nul: () => '\u0000',
  nulInside: () => 'work\u0000flow',
  loneHigh: () => '\ud800',
  loneLow: () => 'x\udc00y',
  maxCodePoint: () => '\u{10ffff}',
  huge: () => hugeString(),
  hugeNul: () => `${hugeString()}\u0000`,
  hugeSurrogate: () => `\ud83d${hugeString()}`,
  workflow: () => 'workflow',
  runId: () => 'run-1',
  status: () => 'started',
  day: () => '2026-01-15',
  badDay: () => '2026-02-30',
  hash: () => '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
  hashUpperSpaced: () => ' 2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824\n',
  hashDotDot: () => '../2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98',
  hashAbsolute: () => '/etc/passwd',
  hashNul: () => '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982\u0000',
  json: () => '{"role":"user","content":"hi"}',
  input: () => 'input.txt',
  missing: () => 'no-such-file',
  emptyObject: () => ({}),
  nullProto: () => Object.create(null),
  emptyArray: () => [],
  array: () => ['workflow', 1],
  date: () => new Date(0),
  buffer: () => Buffer.from('hello'),
  uint8: () => new Uint8Array([0, 255, 0]),
  float64: () => new Float64Array([1.5]),
  arrayBuffer: () => new ArrayBuffer(4),
  dataView: () => new DataView(new ArrayBuffer(2)),
  map: () => new Map([['source', 'workflow']]),
  boxedString: () => new String('workflow'),
  boxedNumber: () => new Number(5),
  regexp: () => /workflow/,
  valueOf: () => ({ valueOf: () => 5, toString: () => 'workflow' }),
  throwingToString: () => throwingPrimitive(),
  throwingProxy: () =>
    new Proxy(
      {},
      {
        get: () => {
          throw new HostileThrow('proxy get');
        },
        has: () => {
          throw new HostileThrow('proxy has');
        },
        ownKeys: () => {
          throw new HostileThrow('proxy ownKeys');
        },
        getPrototypeOf: () => {
          throw new HostileThrow('proxy getPrototypeOf');
        },
      },
    ),
  revokedProxy: () => revoked(),
  classInstance: () => new Custom(),
  promise: () => Promise.resolve('workflow'),
  error: () => new Error('not a value'),
};

/** How a generated object is presented to the call. */
export type Wrap = 'plain' | 'null-proto' | 'getter' | 'proxy' | 'throwing-proxy' | 'frozen' | 'class' | 'in-array';

export type V =
  | { k: 'lit'; name: string }
  | { k: 'str'; s: string }
  | { k: 'num'; n: number }
  | { k: 'obj'; base: string; edits: [string, V | null][]; extra: [string, V][]; wrap: Wrap }
  | { k: 'arr'; items: V[] };

/** Well-formed objects each call expects; edits replace or delete fields. */
export const BASES: Record<string, Record<string, () => unknown>> = {
  entry: {
    source: () => 'workflow',
    type: () => 'thread_workflow_message',
    refId: () => 'run-1',
    payload: () => '{"role":"user","content":"hi","timestamp":5}',
    timestamp: () => SEED_TS + 7,
  },
  run: {
    runId: () => 'run-1',
    workflow: () => 'wf',
    status: () => 'started',
    timestamp: () => SEED_TS + 9,
    exitCode: () => null,
  },
  filter: {},
  params: { before: () => 0, limit: () => 5 },
  options: { retentionMs: () => 0, maxDays: () => 3 },
};

/** The keys edits pick from (a filter starts empty, so its keys are listed here). */
const KEYS: Record<string, string[]> = {
  entry: ['source', 'type', 'refId', 'payload', 'timestamp'],
  run: ['runId', 'workflow', 'status', 'timestamp', 'exitCode'],
  filter: ['source', 'type', 'refId', 'since', 'until', 'limit'],
  params: ['before', 'limit'],
  options: ['now', 'vacuum', 'maxDays', 'retentionMs'],
};

/** Rows are seeded a few days back, so an archive has days to move but never thousands. */
export const SEED_TS = Math.floor(Date.now() / 86_400_000 - 4) * 86_400_000 + 1234;

const litArb = (names: string[]) => fc.constantFrom(...names).map((name): V => ({ k: 'lit', name }));

/** Every hostile literal, generated strings (NUL, lone surrogates, control characters) and doubles. */
export const hostileArb: fc.Arbitrary<V> = fc.oneof(
  { weight: 6, arbitrary: litArb(Object.keys(LITERALS)) },
  { weight: 2, arbitrary: strArb.map((s): V => ({ k: 'str', s })) },
  { weight: 2, arbitrary: fc.double().map((n): V => ({ k: 'num', n })) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 30 }).map((n): V => ({ k: 'num', n })) },
);

/**
 * Numbers an archive may be handed for `now` and `retentionMs` without asking for thousands of
 * day files: non-finite, fractional, negative zero, and values near the seeded rows.
 */
const boundedTimeArb: fc.Arbitrary<V> = fc.oneof(
  litArb(
    Object.keys(LITERALS).filter(
      (n) =>
        typeof LITERALS[n]() !== 'number' || !Number.isFinite(LITERALS[n]()) || Math.abs(LITERALS[n]() as number) < 10,
    ),
  ),
  fc.integer({ min: -2 * 86_400_000, max: 10 * 86_400_000 }).map((d): V => ({ k: 'num', n: d + 0.5 })),
  fc.constantFrom(SEED_TS + 5 * 86_400_000, Date.now()).map((n): V => ({ k: 'num', n })),
);

function fieldArb(base: string, key: string): fc.Arbitrary<V> {
  if (base === 'options' && (key === 'now' || key === 'retentionMs')) return boundedTimeArb;
  return hostileArb;
}

const WRAPS: Wrap[] = [
  'plain',
  'plain',
  'plain',
  'null-proto',
  'getter',
  'proxy',
  'throwing-proxy',
  'frozen',
  'class',
  'in-array',
];

/** The base object with up to three fields replaced or deleted, extra keys, and a presentation. */
export function objectArb(base: string): fc.Arbitrary<V> {
  const keys = KEYS[base];
  const edit = fc
    .constantFrom(...keys)
    .chain((key) => fc.option(fieldArb(base, key), { nil: null }).map((v): [string, V | null] => [key, v]));
  const extra = fc.tuple(fc.constantFrom('extra', '__proto__', 'id', 'constructor', 'toString'), hostileArb);
  return fc
    .record({
      edits: fc.array(edit, { maxLength: 3 }),
      extra: fc.array(extra, { maxLength: 2 }),
      wrap: fc.constantFrom(...WRAPS),
    })
    .map(({ edits, extra, wrap }): V => ({ k: 'obj', base, edits, extra, wrap }));
}

/** An argument that is mostly the well-formed object, edited, and otherwise anything at all. */
export function argOf(base: string): fc.Arbitrary<V> {
  return fc.oneof({ weight: 3, arbitrary: objectArb(base) }, { weight: 1, arbitrary: hostileArb });
}

/** A string argument: a good value, one of `good`, or anything at all. */
export function stringArg(...good: string[]): fc.Arbitrary<V> {
  return fc.oneof({ weight: 1, arbitrary: litArb(good) }, { weight: 2, arbitrary: hostileArb });
}

/** Arrays where a list goes: edited entries, hostile items, holes. */
export const entriesArb: fc.Arbitrary<V> = fc.oneof(
  { weight: 4, arbitrary: fc.array(argOf('entry'), { maxLength: 4 }).map((items): V => ({ k: 'arr', items })) },
  { weight: 1, arbitrary: hostileArb },
);

/**
 * A path argument kept inside the case's working directory: a string becomes a plain name there
 * (`/` and `..` cannot climb out); other values pass as they are.
 */
export function pathArg(v: unknown): unknown {
  return typeof v === 'string' ? `p${v.replaceAll('/', '_')}` : v;
}

function define(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Builds the value a description stands for. */
export function build(v: V): unknown {
  switch (v.k) {
    case 'lit':
      return LITERALS[v.name]();
    case 'str':
      return v.s;
    case 'num':
      return v.n;
    case 'arr':
      return v.items.map(build);
    case 'obj': {
      const fields: [string, unknown][] = Object.entries(BASES[v.base]).map(([k, f]) => [k, f()]);
      const obj: Record<string, unknown> = {};
      for (const [k, val] of fields) obj[k] = val;
      for (const [k, e] of v.edits) {
        if (e === null) delete obj[k];
        else obj[k] = build(e);
      }
      for (const [k, e] of v.extra) define(obj, k, build(e));
      return present(obj, v);
    }
  }
}

function present(obj: Record<string, unknown>, v: Extract<V, { k: 'obj' }>): unknown {
  switch (v.wrap) {
    case 'plain':
      return obj;
    case 'null-proto':
      return Object.assign(Object.create(null), obj);
    case 'getter': {
      const key = v.edits[0]?.[0] ?? KEYS[v.base][0];
      Object.defineProperty(obj, key, {
        enumerable: true,
        configurable: true,
        get: () => {
          throw new HostileThrow(`getter ${key}`);
        },
      });
      return obj;
    }
    case 'proxy':
      return new Proxy(obj, {});
    case 'throwing-proxy':
      return new Proxy(obj, {
        get: (target, key) => {
          if (key === KEYS[v.base][0]) throw new HostileThrow(`proxy get ${String(key)}`);
          return Reflect.get(target, key);
        },
      });
    case 'frozen':
      return Object.freeze(obj);
    case 'class':
      return Object.assign(new Custom(), obj);
    case 'in-array':
      return [obj];
  }
}
