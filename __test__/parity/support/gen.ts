// Seeded generation of operation sequences, as plain data (so a failing operation prints as it
// was generated and can be replayed). Values lean on the inputs where the two implementations
// could part ways: odd payload JSON, odd strings, odd numbers, day boundaries.
import { createHash } from 'node:crypto';
import fc from 'fast-check';

export const DAY = 86_400_000;

export type Profile = 'mixed' | 'thread' | 'archive' | 'query' | 'workflow' | 'extreme' | 'live' | 'blob';
export const PROFILES: Profile[] = ['mixed', 'thread', 'archive', 'query', 'workflow', 'extreme', 'live', 'blob'];

export type Ctx = {
  profile: Profile;
  /** Start of the first UTC day rows fall on. */
  base: number;
  /** Number of UTC days rows spread over. */
  span: number;
};

export type Entry = Record<string, unknown>;
export type Content =
  | { kind: 'string'; s: string }
  | { kind: 'buffer'; bytes: number[] }
  | { kind: 'uint8array'; bytes: number[] }
  | { kind: 'subarray'; bytes: number[]; start: number; end: number }
  | { kind: 'pooled'; s: string };

export type Op =
  | { k: 'append'; entry: Entry }
  | { k: 'upsertWorkflowRun' | 'appendWithWorkflowUpdate'; entry: Entry; run: Entry }
  | { k: 'query'; args: unknown[] }
  | { k: 'getMeta'; key: string }
  | { k: 'setMeta'; key: string; value: string }
  | { k: 'getWorkflowRun'; runId: string }
  | { k: 'getActiveWorkflowRuns'; args: unknown[] }
  | { k: 'getAllWorkflowRuns'; name: string | null }
  | { k: 'getTriggerPayload' | 'getThreadEvents' | 'getThreadMessages' | 'getThreadRoundCount'; runId: string }
  | { k: 'getThreadRounds'; runId: string; params: Entry }
  | { k: 'archiveLogs'; args: unknown[] }
  | { k: 'reopen' }
  | { k: 'close'; closedFor: number }
  | { k: 'foreignRow'; sql: string; params: unknown[] }
  | { k: 'foreignStatus'; runId: string; status: unknown }
  | { k: 'foreignMeta'; key: string; hex: string }
  | { k: 'blobWrite'; content: Content }
  | { k: 'blobRead' | 'blobExists' | 'normalizeBlobHash'; hash: string }
  | { k: 'blobTamper'; content: Content; garbage: number[] }
  | { k: 'day'; fn: string; args: unknown[] }
  /** An input the reference's types do not allow; `arg` is the argument ours must name. */
  | { k: 'outside'; op: Op; arg: string };

// ---------------------------------------------------------------------------------------------
// Strings and numbers

const ODD_STRINGS = [
  '',
  ' ',
  'héllo wörld',
  '🙂 emoji 𝄞',
  'line\nbreak\r\n',
  'tab\t"quote"\\back/slash',
  '\u2028\u2029',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udc00y',
  '\ud83d',
  '\u{10ffff}',
  '\u007f\u0080\u00ff',
  'e\u0301',
  '\u0001\u001f',
  '\ufeff',
];

const unitArb = fc.constantFrom(
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u001f',
  'é',
  '中',
  '🙂',
  '\ud800',
  '\udc00',
  '\u2028',
);

export const strArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: unitArb, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

const SOURCES = ['workflow', 'workflow', 'workflow', 'system', 'reflex', '', 'Workflow', 'wörk'];
const TYPES = ['thread_command_event', 'thread_workflow_message', 'started', 'completed', 'queued', 'x', ''];
export const RUN_IDS = ['run-1', 'run-2', 'run-3', 'rün-🙂', ''];
const WORKFLOWS = ['wf-a', 'wf-b', 'wf-🙂', ''];
export const STATUSES = ['queued', 'started', 'completed', 'failed', 'crashed', 'dropped', 'interrupted', 'killed'];

const sourceArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...SOURCES) }, { weight: 1, arbitrary: strArb });
const typeArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: strArb });
const runIdArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...RUN_IDS) }, { weight: 1, arbitrary: strArb });
const refIdArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 8, arbitrary: fc.constantFrom(...RUN_IDS) },
  { weight: 1, arbitrary: strArb },
);

/** Odd numbers a `number` field may hold; fine as JSON-ish values, not as timestamps. */
const ODD_NUMBERS = [0, -0, 1, -1, 1.5, -2.5, 0.1 + 0.2, 1e21, 1e-7, 5e-324, 2 ** 53 - 1, 2 ** 53, -(2 ** 31), 1e300];

/** Timestamps on the scenario's days (boundaries, fractions and ties included). */
function tsArb(ctx: Ctx): fc.Arbitrary<number> {
  const last = ctx.base + ctx.span * DAY;
  const arbs: { weight: number; arbitrary: fc.Arbitrary<number> }[] = [
    { weight: 10, arbitrary: fc.integer({ min: ctx.base, max: last - 1 }) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: ctx.span }), fc.constantFrom(-1, 0, 1))
        .map(([d, off]) => ctx.base + d * DAY + off),
    },
    { weight: 1, arbitrary: fc.integer({ min: ctx.base, max: last - 1 }).map((t) => t + 0.25) },
    { weight: 2, arbitrary: fc.constantFrom(ctx.base + 1000, ctx.base + 2000, ctx.base + DAY + 5) },
  ];
  if (ctx.profile === 'extreme') {
    arbs.push({
      weight: 3,
      arbitrary: fc.constantFrom(
        0,
        -0,
        -1,
        -0.5,
        0.5,
        DAY - 1,
        -62135596800000, // 0001-01-01
        -59011459200000, // 0100-01-01
        -60589296000000, // 0050-01-01
        253402300799999, // 9999-12-31T23:59:59.999Z
        253402300800000, // +010000-01-01
        8.64e15,
        -8.64e15,
      ),
    });
  }
  return fc.oneof(...arbs);
}

// ---------------------------------------------------------------------------------------------
// Payloads

const MISSING = Symbol('missing');

/** An object from [key, arb] pairs; a pair's value may come out MISSING and then has no key. */
function objArb(pairs: [string, fc.Arbitrary<unknown>][]): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(fc.tuple(...pairs.map(([, a]) => a)), fc.boolean(), fc.boolean()).map(([vals, reverse, extra]) => {
    let entries = pairs.map(([k], i) => [k, vals[i]] as [string, unknown]).filter(([, v]) => v !== MISSING);
    if (reverse) entries = entries.reverse();
    if (extra) entries.push(['extra', { n: 1 }]);
    return Object.fromEntries(entries);
  });
}

function maybe<T>(a: fc.Arbitrary<T>, missingWeight = 1, presentWeight = 4): fc.Arbitrary<T | typeof MISSING> {
  return fc.oneof({ weight: presentWeight, arbitrary: a }, { weight: missingWeight, arbitrary: fc.constant(MISSING) });
}

const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: strArb },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
);

const ROLES = ['user', 'assistant', 'system', '__start__', 'tool', ''];
const roleArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ROLES) },
  { weight: 1, arbitrary: strArb },
  { weight: 1, arbitrary: fc.constantFrom(5, null, true, ['user']) },
);
const msgContentArb = fc.oneof(
  { weight: 6, arbitrary: strArb },
  { weight: 1, arbitrary: fc.constantFrom(5, null, { text: 'x' }, ['a']) },
);
const msgTsArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 2e12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom('1700000000000', null, true) },
);

const messageArb = objArb([
  ['role', maybe(roleArb, 1, 8)],
  ['content', maybe(msgContentArb, 1, 8)],
  ['meta', maybe(jsonish, 2, 3)],
  ['timestamp', maybe(msgTsArb)],
]);

const EVENT_TYPES = ['thread_start', 'tool_call', 'tool_result', 'agent_message', 'x', ''];
const eventArb = objArb([
  [
    'type',
    maybe(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...EVENT_TYPES) },
        { weight: 1, arbitrary: strArb },
        { weight: 1, arbitrary: fc.constantFrom(5, null, { t: 1 }) },
      ),
      1,
      10,
    ),
  ],
  ['role', maybe(roleArb, 3, 1)],
  ['content', maybe(msgContentArb, 3, 1)],
  ['data', maybe(jsonish, 1, 1)],
]);

const launchArb = objArb([
  ['prompt', maybe(fc.oneof({ weight: 5, arbitrary: strArb }, { weight: 1, arbitrary: fc.constant(5) }), 1, 8)],
  [
    'maxRounds',
    maybe(
      fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 50 }) },
        { weight: 1, arbitrary: fc.constantFrom(...ODD_NUMBERS, '5') },
      ),
      1,
      8,
    ),
  ],
  ['dryRun', maybe(fc.constantFrom(true, false, 'yes', 1, null), 2, 3)],
]);
const triggerArb = fc.oneof(
  { weight: 3, arbitrary: launchArb },
  {
    weight: 3,
    arbitrary: objArb([
      [
        'triggerPayload',
        fc.oneof(launchArb, jsonish, fc.dictionary(fc.string({ maxLength: 4 }), jsonish, { maxKeys: 3 })),
      ],
      ['other', maybe(jsonish, 3, 1)],
    ]),
  },
);

/** JSON texts crafted by hand: what JSON.stringify never writes, but a payload string may hold. */
const CRAFTED = [
  '{"type":"thread_start","type":"x"}',
  '{"type":"x","type":"thread_start"}',
  '{"role":"__start__","role":"user","content":"c"}',
  '{"role":"user","content":"c","role":"__start__"}',
  '{"__proto__":{"type":"x"},"role":"r","content":"c"}',
  '{"__proto__":null,"type":"t"}',
  '{"type":"t","__proto__":{"role":"admin"}}',
  '{"prompt":"p","maxRounds":3,"__proto__":{"dryRun":true}}',
  '{"triggerPayload":{"__proto__":{"prompt":"p","maxRounds":1}}}',
  '{"type":"x","n":1e400}',
  '{"role":"r","content":"c","timestamp":1e400}',
  '{"role":"r","content":"c","timestamp":-0}',
  '{"role":"r","content":"c","timestamp":-0.0e5}',
  '{"type":"x","n":-0,"m":1.0,"big":123456789012345678901234567890,"small":5e-324,"tiny":1e-400,"e":1E+2}',
  '{"type":"\\ud800"}',
  '{"role":"\\udc00x","content":"\\ud83d","meta":"\\ud83d\\ude00"}',
  '{"type":"x","s":"\\u0000\\u001f\\u2028"}',
  '{"type":"x"}\u0000junk',
  '{"role":"r","content":"c"}\u0000',
  '{"type":"a\u0000b"}',
  '{"role":"r","content":"c"} ',
  ' \n\t{"role":"r","content":"c"}\r\n',
  '\f{"type":"x"}',
  '\u00a0{"type":"x"}',
  '\ufeff{"type":"x"}',
  '{"type":"x",}',
  "{'type':'x'}",
  '{type:"x"}',
  '{"type":"x"/*c*/}',
  '{"type":0x10}',
  '{"type":"x","n":.5}',
  '{"type":"x","n":+1}',
  '{"type":"x","n":01}',
  '{"type":"x","n":Infinity}',
  '{"type":"x","n":NaN}',
  '{"type":"x","s":"\t"}',
  '{"type":"x","s":"\\x41"}',
  '{"type":"x","s":"\\\'"}',
  '[{"type":"x"}]',
  '["role","content"]',
  '5',
  '"str"',
  'null',
  'true',
  '',
  '{',
  '}',
  '{}',
  '{}{}',
  '{"type":null}',
  '{"type":5}',
  '{"type":true,"role":"r"}',
  '{"role":"r","content":5}',
  '{"role":"r","content":"c","meta":null}',
  '{"role":"r","content":"c","meta":{"a":[1,{"b":2}]}}',
  '{"type":"x","role":5,"content":{"a":1}}',
  '{"type":"x","content":"c"}',
  '{"type":"thread_start","role":"__start__"}',
  '{"type":"tool","role":"__start__"}',
  '{"role":"__start__","content":"c"}',
  '{"type":"t","toJSON":1}',
  '{"type":"t","1":"a","b":2,"0":3,"-1":4,"01":5,"4294967295":6,"4294967294":7}',
  '{"type":"t","a":{"toJSON":null}}',
  '{"type":"t","$":{"type":"inner"},"type ":"sp"}',
  '{"type":"t","k":"\u{10ffff}\u{1f600}é"}',
  '{"prompt":"p","maxRounds":1e400,"dryRun":true}',
  '{"prompt":"p","maxRounds":-0}',
  '{"prompt":"","maxRounds":0,"dryRun":"false"}',
  '{"triggerPayload":null}',
  '{"triggerPayload":[1,2]}',
  '{"triggerPayload":"s"}',
  '{"triggerPayload":{}}',
  '{"triggerPayload":{"prompt":"p"}}',
  '{"triggerPayload":{"prompt":"p","maxRounds":2,"dryRun":true,"x":1}}',
  '{"prompt":"p","triggerPayload":{"prompt":"q","maxRounds":3}}',
];

function deep(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

const deepArb = fc
  .tuple(fc.constantFrom(997, 998, 999, 1000, 1001, 1500, 20000), fc.constantFrom('message', 'event', 'object'))
  .map(([d, shape]) => {
    if (shape === 'message') return `{"role":"r","content":"c","meta":${deep(d - 1, '[', ']', '')}}`;
    if (shape === 'event') return `{"type":"deep","m":${deep(d - 1, '{"a":', '}', '1')}}`;
    return `${deep(d - 1, '{"x":', '}', '{"type":"t"}')}`;
  });

const bigArb = fc.constantFrom(
  JSON.stringify({ role: 'assistant', content: 'x'.repeat(70_000), meta: { n: 1 } }),
  JSON.stringify({ type: 'tool_result', data: 'é🙂'.repeat(20_000) }),
);

function withWhitespace(a: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(a, fc.constantFrom(' ', '\n', '\t', '\r\n', ' \t \n')).map(([s, w]) => `${w}${s}${w}`);
}

export const payloadObjArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: messageArb.map((o) => JSON.stringify(o)) },
  { weight: 5, arbitrary: eventArb.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: triggerArb.map((o) => JSON.stringify(o)) },
  { weight: 5, arbitrary: fc.constantFrom(...CRAFTED) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.object({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'undefined') },
  { weight: 1, arbitrary: withWhitespace(messageArb.map((o) => JSON.stringify(o))) },
  { weight: 1, arbitrary: strArb },
);

function payloadArb(ctx: Ctx): fc.Arbitrary<string | null> {
  const rare = ctx.profile === 'thread' ? 2 : 1;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 30, arbitrary: payloadObjArb },
    { weight: rare, arbitrary: deepArb },
    { weight: rare, arbitrary: bigArb },
  );
}

// ---------------------------------------------------------------------------------------------
// Entries and runs

function entryArb(ctx: Ctx): fc.Arbitrary<Entry> {
  return fc
    .tuple(sourceArb, typeArb, refIdArb, payloadArb(ctx), tsArb(ctx), fc.integer({ min: 0, max: 19 }))
    .map(([source, type, refId, payload, timestamp, shape]) => {
      const e: Entry = { source, type, refId, payload, timestamp };
      // The key order and extra keys of the argument show in what append returns.
      if (shape === 0) return { timestamp, payload, refId, type, source };
      if (shape === 1) return { ...e, extra: 'kept' };
      if (shape === 2) return { id: 12345, ...e };
      if (shape === 3) return { ...e, meta: undefined };
      return e;
    });
}

function runArb(ctx: Ctx): fc.Arbitrary<Entry> {
  return fc
    .tuple(
      runIdArb,
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...WORKFLOWS) }, { weight: 1, arbitrary: strArb }),
      fc.constantFrom(...STATUSES),
      fc.oneof(tsArb(ctx), fc.constantFrom(1, 2, 2, 3, 0, -0, 1.5)),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: fc.constantFrom(0, 1, -1, 2, 137, 255) },
        { weight: 1, arbitrary: fc.constantFrom(-0, 1.5, 2 ** 53 - 1, -(2 ** 53 - 1), 1e-9) },
      ),
      fc.boolean(),
    )
    .map(([runId, workflow, status, timestamp, exitCode, extra]) => {
      const r: Entry = { runId, workflow, status, timestamp, exitCode };
      return extra ? { ...r, note: 'ignored' } : r;
    });
}

/** Thread-ish entries: source workflow, a thread type, a run id from the pool, a payload of the
 * shape that type usually carries (or, now and then, any payload). */
function threadEntryArb(ctx: Ctx): fc.Arbitrary<Entry> {
  const typed = (type: string, shaped: fc.Arbitrary<string>) =>
    fc.tuple(fc.constant(type), fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 1, arbitrary: payloadArb(ctx) }));
  return fc
    .tuple(
      fc.oneof(
        typed(
          'thread_command_event',
          eventArb.map((o) => JSON.stringify(o)),
        ),
        typed(
          'thread_workflow_message',
          messageArb.map((o) => JSON.stringify(o)),
        ),
        typed(
          'started',
          triggerArb.map((o) => JSON.stringify(o)),
        ),
      ),
      fc.constantFrom(...RUN_IDS),
      tsArb(ctx),
    )
    .map(([[type, payload], refId, timestamp]) => ({ source: 'workflow', type, refId, payload, timestamp }));
}

// ---------------------------------------------------------------------------------------------
// Queries and reads

function numFilterArb(ctx: Ctx): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: tsArb(ctx) },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, NaN, Infinity, -Infinity, 0, -0) },
  );
}

const limitArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 25 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, -0, -1, 1.5, -1.5, NaN, Infinity, -Infinity, 1e21, 9.21e18, 2 ** 53, 1e-7),
  },
);

function queryArb(ctx: Ctx): fc.Arbitrary<Op> {
  const textFilter = (a: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: fc.constantFrom(null, undefined) });
  const fields: [string, fc.Arbitrary<unknown>][] = [
    ['source', textFilter(sourceArb)],
    ['type', textFilter(typeArb)],
    ['refId', textFilter(runIdArb)],
    ['since', numFilterArb(ctx)],
    ['until', numFilterArb(ctx)],
    ['limit', limitArb],
  ];
  // Mostly one or two filters, so that queries match rows more often than not.
  const filter = fc
    .tuple(fc.shuffledSubarray(fields, { minLength: 0, maxLength: 6 }), fc.integer({ min: 0, max: 9 }))
    .chain(([picked, n]) => {
      const chosen = n < 8 ? picked.slice(0, 1 + (n % 2)) : picked;
      return fc
        .tuple(...chosen.map(([, a]) => a))
        .map((vals) => Object.fromEntries(chosen.map(([k], i) => [k, vals[i]])));
    });
  return fc.oneof(
    { weight: 12, arbitrary: filter.map((f) => ({ k: 'query' as const, args: [f] })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Op>(
        { k: 'query', args: [] },
        { k: 'query', args: [undefined] },
        { k: 'query', args: [{}] },
      ),
    },
  );
}

const roundsParamsArb = fc.record({
  before: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 6, arbitrary: fc.integer({ min: -2, max: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom(2.5, NaN, -0, Infinity, 1e300) },
  ),
  limit: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: -2, max: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 0.5, 1.5, NaN, Infinity, -Infinity, 1e300, 2 ** 53, 1) },
  ),
});

const metaKeyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('k1', 'k2', '', 'K1', 'ключ', 'k\u0000z') },
  { weight: 1, arbitrary: strArb },
);

function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function watermarkArb(ctx: Ctx): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -3, max: ctx.span }).map((d) => dayString(ctx.base + d * DAY)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'x',
        '',
        '2024-02-30',
        '0099-12-31',
        '2024-1-01',
        ' 2024-01-01',
        '9999-12-31',
        '２０２４-01-01',
      ),
    },
  );
}

function archiveArb(ctx: Ctx): fc.Arbitrary<Op> {
  if (ctx.profile === 'live') {
    return fc
      .constantFrom<unknown[]>(
        [],
        [undefined],
        [{}],
        [{ vacuum: true }],
        [{ maxDays: 3 }],
        [{ retentionMs: 10 * DAY }],
        [{ vacuum: false, maxDays: 1.5 }],
      )
      .map((args) => ({ k: 'archiveLogs' as const, args }));
  }
  const retentionArb = fc.oneof(
    { weight: 16, arbitrary: fc.constant(undefined) },
    { weight: 32, arbitrary: fc.constantFrom(0, DAY, 3 * DAY, 7 * DAY, 1, DAY - 1) },
    { weight: 8, arbitrary: fc.integer({ min: -DAY, max: 5 * DAY }) },
    // Numbers the types allow that make the retention boundary an invalid time.
    { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e300) },
  );
  // In the extreme profile rows may sit on days decades apart: a few days per call at most.
  const maxDaysArb =
    ctx.profile === 'extreme'
      ? fc.constantFrom(0, 1, 2, 3, 1.5, -1)
      : fc.oneof(
          { weight: 6, arbitrary: fc.constant(undefined) },
          { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 3, 5, 100) },
          { weight: 1, arbitrary: fc.constantFrom(1.5, NaN, -1, -0, Infinity) },
        );
  return fc
    .tuple(
      retentionArb,
      fc.integer({ min: -2, max: ctx.span + 2 }),
      fc.integer({ min: 0, max: DAY - 1 }),
      maxDaysArb,
      fc.constantFrom(undefined, undefined, undefined, false, true),
      fc.boolean(),
    )
    .map(([retentionMs, d, ms, maxDays, vacuum, reverse]) => {
      // The retention boundary (now - retention) lands on or near the scenario's days.
      const now = ctx.base + d * DAY + ms + (retentionMs ?? 30 * DAY);
      const o: Entry = { now };
      if (retentionMs !== undefined) o.retentionMs = retentionMs;
      if (maxDays !== undefined || reverse) o.maxDays = maxDays;
      if (vacuum !== undefined) o.vacuum = vacuum;
      return { k: 'archiveLogs' as const, args: [reverse ? Object.fromEntries(Object.entries(o).reverse()) : o] };
    });
}

// ---------------------------------------------------------------------------------------------
// Blobs

const contentArb: fc.Arbitrary<Content> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<Content>(
      { kind: 'string', s: '' },
      { kind: 'string', s: 'hello' },
      { kind: 'string', s: 'héllo 🙂' },
      { kind: 'string', s: 'lone \ud800 surrogate' },
      { kind: 'string', s: 'a\u0000b' },
    ),
  },
  { weight: 2, arbitrary: strArb.map((s): Content => ({ kind: 'string', s })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b): Content => ({ kind: 'buffer', bytes: [...b] })) },
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((b): Content => ({ kind: 'uint8array', bytes: [...b] })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.uint8Array({ minLength: 2, maxLength: 64 }), fc.nat(), fc.nat())
      .map(([b, x, y]): Content => {
        const start = x % b.length;
        return { kind: 'subarray', bytes: [...b], start, end: start + (y % (b.length - start + 1)) };
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom<Content>({ kind: 'pooled', s: 'pooled' }, { kind: 'pooled', s: 'hello' }) },
  { weight: 1, arbitrary: fc.constant<Content>({ kind: 'string', s: 'z'.repeat(200_000) }) },
);

export function contentBytes(c: Content): Buffer {
  switch (c.kind) {
    case 'string':
    case 'pooled':
      return Buffer.from(c.s, 'utf8');
    case 'buffer':
    case 'uint8array':
      return Buffer.from(c.bytes);
    case 'subarray':
      return Buffer.from(c.bytes.slice(c.start, c.end));
  }
}

/** A fresh argument for `write`, of the class the spec names. */
export function materialize(c: Content): string | Uint8Array {
  switch (c.kind) {
    case 'string':
      return c.s;
    case 'buffer':
      return Buffer.from(c.bytes);
    case 'uint8array':
      return new Uint8Array(c.bytes);
    case 'subarray':
      return new Uint8Array([255, ...c.bytes, 255]).subarray(c.start + 1, c.end + 1);
    case 'pooled':
      // Small Buffer.from() results are views into a shared pool, at a non-zero offset.
      return Buffer.from(c.s);
  }
}

const TRIM = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
];
const NOT_TRIM = ['\u0085', '\u180e', '\u200b', '\u0000', 'x'];

const hashArb: fc.Arbitrary<string> = fc
  .tuple(contentArb, fc.integer({ min: 0, max: 11 }), fc.constantFrom(...TRIM), fc.constantFrom(...NOT_TRIM), fc.nat())
  .map(([c, variant, ws, bad, n]) => {
    const h = createHash('sha256').update(contentBytes(c)).digest('hex');
    switch (variant) {
      case 0:
      case 1:
        return h;
      case 2:
        return h.toUpperCase();
      case 3:
        return [...h].map((ch, i) => (i % 3 === 0 ? ch.toUpperCase() : ch)).join('');
      case 4:
        return `${ws}${h}${ws}${ws}`;
      case 5:
        return `${bad}${h}`;
      case 6:
        return h.slice(0, 63);
      case 7:
        return `${h}0`;
      case 8:
        return `${h.slice(0, n % 64)}g${h.slice((n % 64) + 1)}`;
      case 9:
        return `${h.slice(0, 63)}\u212a`;
      case 10:
        return `${h.slice(1)}\u0130`;
      default:
        return ['', ' ', '0'.repeat(64), 'F'.repeat(64), 'ａ'.repeat(64)][n % 5];
    }
  });

// ---------------------------------------------------------------------------------------------
// Day helpers

export const msArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -8.64e15, max: 8.64e15 }) },
  { weight: 3, arbitrary: fc.integer({ min: -1e13, max: 1e13 }) },
  { weight: 2, arbitrary: fc.double() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      -0,
      -0.5,
      0.5,
      -1,
      1,
      8.64e15,
      -8.64e15,
      8.64e15 + 1,
      -8.64e15 - 1,
      8.64e15 + 0.5,
      NaN,
      Infinity,
      -Infinity,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      2 ** 53,
      253402300799999,
      253402300800000,
      -62167219200000,
      -62167219200001,
      -59011459200000,
      -59011459200001,
      DAY,
      DAY - 1,
      -DAY,
      1e21,
    ),
  },
);

export const dayArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: msArb.filter((m) => Math.abs(m) <= 8.64e15).map((m) => new Date(m).toISOString().slice(0, 10)),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
      .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '2024-02-29',
      '2023-02-29',
      '1900-02-29',
      '2000-02-29',
      '0100-01-01',
      '0099-12-31',
      '0000-01-01',
      '9999-12-31',
      '1970-01-01',
      '1969-12-31',
      '+010000-01',
      '-000001-12',
      '+275760-09',
      '-271821-04',
      '2024-1-01',
      '2024-01-1',
      '2024-01-01 ',
      ' 2024-01-01',
      '2024-01-01\n',
      '2024/01/01',
      '20240101',
      '',
      '２０２４-01-01',
      '٢٠٢٤-01-01',
      '2024-01-01T00:00:00Z',
      'abcd-ef-gh',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '2024-04-31',
      '1582-10-10',
    ),
  },
  { weight: 1, arbitrary: strArb },
);

export function dayCallArb(): fc.Arbitrary<{ fn: string; args: unknown[] }> {
  return fc.oneof(
    msArb.map((ms) => ({ fn: 'utcDateStringFromMs', args: [ms] })),
    msArb.map((ms) => ({ fn: 'lastArchivableUtcDay', args: [ms] })),
    dayArb.map((d) => ({ fn: 'assertValidUtcDay', args: [d] })),
    dayArb.map((d) => ({ fn: 'utcDayStartMs', args: [d] })),
    dayArb.map((d) => ({ fn: 'utcDayEndExclusiveMs', args: [d] })),
    dayArb.map((d) => ({ fn: 'prevUtcDay', args: [d] })),
    dayArb.map((d) => ({ fn: 'nextUtcDay', args: [d] })),
    fc.tuple(dayArb, dayArb).map(([a, b]) => ({ fn: 'compareIsoDays', args: [a, b] })),
    fc.tuple(strArb, strArb).map(([a, b]) => ({ fn: 'compareIsoDays', args: [a, b] })),
  );
}

// ---------------------------------------------------------------------------------------------
// Foreign writes (another program writing the shared file) and inputs outside the types

function foreignRowArb(ctx: Ctx): fc.Arbitrary<Op> {
  const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex');
  return fc.tuple(fc.constantFrom(...RUN_IDS), tsArb(ctx), fc.integer({ min: 0, max: 5 })).map(([runId, ts, which]) => {
    const sql = (payloadExpr: string, source = "'workflow'", type = "'thread_command_event'") =>
      `INSERT INTO logs (source, type, ref_id, payload, timestamp) VALUES (${source}, ${type}, ?, ${payloadExpr}, ?)`;
    const rows: [string, unknown[]][] = [
      // A BLOB payload (node:sqlite reads a Uint8Array).
      [sql(`X'${hexOf('{"type":"x"}')}'`), [runId, ts]],
      // Bytes that are not UTF-8.
      [sql(`CAST(X'${hexOf('{"type":"')}ff${hexOf('"}')}' AS TEXT)`), [runId, ts]],
      [
        sql(
          `CAST(X'${hexOf('{"role":"r","content":"')}c3${hexOf('"}')}' AS TEXT)`,
          "'workflow'",
          "'thread_workflow_message'",
        ),
        [runId, ts],
      ],
      // A NUL inside TEXT.
      [sql(`CAST(X'${hexOf('{"type":"x"}')}00${hexOf('junk')}' AS TEXT)`), [runId, ts]],
      [sql('\'{"type":"y"}\'', `CAST(X'${hexOf('work')}00${hexOf('flow')}' AS TEXT)`), [runId, ts]],
      // A BLOB where a text column is expected.
      [sql('\'{"type":"z"}\'', `X'${hexOf('workflow')}'`), [runId, ts]],
    ];
    const [s, params] = rows[which];
    return { k: 'foreignRow' as const, sql: s, params };
  });
}

function outsideArb(ctx: Ctx): fc.Arbitrary<Op> {
  const entry = entryArb(ctx);
  const run = runArb(ctx);
  const bad = (arg: string, op: Op): Op => ({ k: 'outside', op, arg });
  return fc.oneof(
    fc
      .tuple(entry, fc.constantFrom(NaN, Infinity, -Infinity, 8.64e15 + 1, -1e16, 1e300))
      .map(([e, t]) => bad('entry.timestamp', { k: 'append', entry: { ...e, timestamp: t } })),
    entry.map((e) => bad('entry.source', { k: 'append', entry: { ...e, source: 5 } })),
    entry.map((e) => bad('entry.type', { k: 'append', entry: { ...e, type: true } })),
    entry.map((e) => bad('entry.refId', { k: 'append', entry: { ...e, refId: undefined } })),
    entry.map((e) => bad('entry.payload', { k: 'append', entry: { ...e, payload: { a: 1 } } })),
    fc
      .tuple(entry, run)
      .map(([e, r]) => bad('run.status', { k: 'upsertWorkflowRun', entry: e, run: { ...r, status: 'bogus' } })),
    fc
      .tuple(entry, run)
      .map(([e, r]) =>
        bad('run.exitCode', { k: 'appendWithWorkflowUpdate', entry: e, run: { ...r, exitCode: undefined } }),
      ),
    fc
      .tuple(entry, run)
      .map(([e, r]) => bad('run.exitCode', { k: 'upsertWorkflowRun', entry: e, run: { ...r, exitCode: 2 ** 60 } })),
    fc
      .tuple(entry, run)
      .map(([e, r]) => bad('run.timestamp', { k: 'upsertWorkflowRun', entry: e, run: { ...r, timestamp: Infinity } })),
    fc
      .tuple(entry, run)
      .map(([e, r]) => bad('entry.timestamp', { k: 'upsertWorkflowRun', entry: { ...e, timestamp: NaN }, run: r })),
    fc.constant(bad('value', { k: 'setMeta', key: 'k1', value: 5 as unknown as string })),
    fc.constant(bad('value', { k: 'setMeta', key: 'k1', value: null as unknown as string })),
    fc.constant(bad('key', { k: 'getMeta', key: 7 as unknown as string })),
    fc.constant(bad('filter.source', { k: 'query', args: [{ source: 5 }] })),
    fc.constant(bad('filter.limit', { k: 'query', args: [{ limit: '5' }] })),
    fc.constant(bad('filter', { k: 'query', args: [null] })),
    fc.constant(bad('params.before', { k: 'getThreadRounds', runId: 'run-1', params: { limit: 5 } })),
    fc.constant(bad('runId', { k: 'getThreadMessages', runId: undefined as unknown as string })),
    fc.constant(bad('workflowName', { k: 'getAllWorkflowRuns', name: undefined as unknown as null })),
    fc.constant(bad('options.vacuum', { k: 'archiveLogs', args: [{ now: ctx.base, vacuum: 1 }] })),
    fc.constant(bad('options.now', { k: 'archiveLogs', args: [{ now: null }] })),
    fc.constant(bad('content', { k: 'blobWrite', content: { kind: 'number' } as unknown as Content })),
    fc.constant(bad('hash', { k: 'blobRead', hash: 5 as unknown as string })),
    fc.constant(bad('hash', { k: 'normalizeBlobHash', hash: null as unknown as string })),
    fc.constant(bad('ms', { k: 'day', fn: 'utcDateStringFromMs', args: ['2024-01-01'] })),
    fc.constant(bad('day', { k: 'day', fn: 'utcDayStartMs', args: [20240101] })),
  );
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export function ctxArb(profile: Profile): fc.Arbitrary<Ctx> {
  if (profile === 'live') {
    // archiveLogs() without `now` reads the clock, so these rows sit just behind today.
    const today = Math.floor(Date.now() / DAY) * DAY;
    return fc.integer({ min: 33, max: 40 }).map((back) => ({ profile, base: today - back * DAY, span: back + 1 }));
  }
  return fc
    .tuple(fc.integer({ min: 18262, max: 20453 }), fc.integer({ min: 1, max: 40 }))
    .map(([day, span]) => ({ profile, base: day * DAY, span }));
}

type W = { weight: number; arbitrary: fc.Arbitrary<Op> };

export function opArb(ctx: Ctx): fc.Arbitrary<Op> {
  const p = ctx.profile;
  // Weights in tenths (fast-check wants integers).
  const w = (base: number, boost: Profile[] = [], factor = 3) =>
    Math.round(10 * (boost.includes(p) ? base * factor : base));
  const runId = runIdArb;
  const ops: W[] = [
    { weight: w(30, ['archive', 'query']), arbitrary: entryArb(ctx).map((entry) => ({ k: 'append' as const, entry })) },
    { weight: w(12, ['thread'], 4), arbitrary: threadEntryArb(ctx).map((entry) => ({ k: 'append' as const, entry })) },
    {
      weight: w(8, ['workflow']),
      arbitrary: fc
        .tuple(
          fc.constantFrom('upsertWorkflowRun' as const, 'appendWithWorkflowUpdate' as const),
          entryArb(ctx),
          runArb(ctx),
        )
        .map(([k, entry, run]) => ({ k, entry, run })),
    },
    { weight: w(10, ['query']), arbitrary: queryArb(ctx) },
    { weight: w(3), arbitrary: metaKeyArb.map((key) => ({ k: 'getMeta' as const, key })) },
    {
      weight: w(3),
      arbitrary: fc.tuple(metaKeyArb, strArb).map(([key, value]) => ({ k: 'setMeta' as const, key, value })),
    },
    {
      weight: w(1, ['archive']),
      arbitrary: watermarkArb(ctx).map((value) => ({ k: 'setMeta' as const, key: 'archived_up_to', value })),
    },
    { weight: w(1), arbitrary: fc.constant<Op>({ k: 'getMeta', key: 'archived_up_to' }) },
    { weight: w(3, ['workflow']), arbitrary: runId.map((r) => ({ k: 'getWorkflowRun' as const, runId: r })) },
    {
      weight: w(2, ['workflow']),
      arbitrary: fc
        .oneof(
          fc.constant<unknown[]>([]),
          fc.constant<unknown[]>([undefined]),
          fc.constant<unknown[]>([null]),
          fc.constantFrom(...WORKFLOWS).map((n) => [n]),
        )
        .map((args) => ({ k: 'getActiveWorkflowRuns' as const, args })),
    },
    {
      weight: w(2, ['workflow']),
      arbitrary: fc
        .oneof(fc.constant(null), fc.constantFrom(...WORKFLOWS))
        .map((name) => ({ k: 'getAllWorkflowRuns' as const, name })),
    },
    {
      weight: w(8, ['thread']),
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'getTriggerPayload' as const,
            'getThreadEvents' as const,
            'getThreadMessages' as const,
            'getThreadRoundCount' as const,
          ),
          runId,
        )
        .map(([k, r]) => ({ k, runId: r })),
    },
    {
      weight: w(4, ['thread']),
      arbitrary: fc
        .tuple(runId, roundsParamsArb)
        .map(([r, params]) => ({ k: 'getThreadRounds' as const, runId: r, params })),
    },
    { weight: w(2, ['archive', 'extreme'], 4), arbitrary: archiveArb(ctx) },
    { weight: w(1), arbitrary: fc.constant<Op>({ k: 'reopen' }) },
    {
      weight: w(0.5),
      arbitrary: fc.integer({ min: 1, max: 4 }).map((closedFor) => ({ k: 'close' as const, closedFor })),
    },
    { weight: w(0.5), arbitrary: foreignRowArb(ctx) },
    {
      weight: w(0.5, ['workflow']),
      arbitrary: fc
        .tuple(
          fc.constantFrom(...RUN_IDS),
          fc.constantFrom<unknown>('bogus', 'STARTED', 'started ', 5, 5.5, Buffer.from([1, 2])),
        )
        .map(([r, status]) => ({ k: 'foreignStatus' as const, runId: r, status })),
    },
    {
      weight: w(0.3),
      arbitrary: fc
        .constantFrom('k1', 'archived_up_to')
        .map((key) => ({ k: 'foreignMeta' as const, key, hex: '0102' })),
    },
    { weight: w(1, ['blob'], 10), arbitrary: contentArb.map((content) => ({ k: 'blobWrite' as const, content })) },
    {
      weight: w(1.5, ['blob'], 10),
      arbitrary: fc
        .tuple(fc.constantFrom('blobRead' as const, 'blobExists' as const, 'normalizeBlobHash' as const), hashArb)
        .map(([k, hash]) => ({ k, hash })),
    },
    {
      weight: w(0.1, ['blob'], 20),
      arbitrary: fc
        .tuple(contentArb, fc.uint8Array({ maxLength: 8 }))
        .map(([content, g]) => ({ k: 'blobTamper' as const, content, garbage: [...g] })),
    },
    { weight: w(1), arbitrary: dayCallArb().map(({ fn, args }) => ({ k: 'day' as const, fn, args })) },
    { weight: w(1), arbitrary: outsideArb(ctx) },
  ];
  return fc.oneof(...ops);
}
