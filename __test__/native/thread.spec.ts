import { describe, expect, it } from 'vitest';
import type { LogStore } from '../../index.mjs';
import { expectArgError, openStore } from './helpers';

type Kind = 'thread_command_event' | 'thread_workflow_message';

function writer(store: LogStore, runId = 'r') {
  let ts = 0;
  return (kind: Kind, payload: unknown, opts: { raw?: boolean; ts?: number; refId?: string; source?: string } = {}) => {
    ts += 1;
    const text = payload === null ? null : opts.raw ? (payload as string) : JSON.stringify(payload);
    return store.append({
      source: opts.source ?? 'workflow',
      type: kind,
      refId: opts.refId ?? runId,
      payload: text,
      timestamp: opts.ts ?? ts * 10,
    }).id!;
  };
}

const EV: Kind = 'thread_command_event';
const MSG: Kind = 'thread_workflow_message';

describe('getThreadEvents', () => {
  it('returns the run command events that parse to records with a string type, by id', () => {
    const { store } = openStore();
    const w = writer(store);
    w(EV, { type: 'thread_start', x: 1 });
    w(EV, '{"type":"cmd","n":1e21,"d":[1.0,-0,1e-7],"s":"é\u2028\\"","nil":null}', { raw: true });
    w(EV, { notype: 1 });
    w(EV, { type: 5 });
    w(EV, '[{"type":"in-array"}]', { raw: true });
    w(EV, 'not json', { raw: true });
    w(EV, null);
    w(MSG, { type: 'message-row', role: 'a', content: 'b' });
    w(EV, { type: 'other-run' }, { refId: 'other' });
    w(EV, { type: 'other-source' }, { source: 'system' });
    w(EV, { type: 'last', role: 'tester' });
    const events = store.getThreadEvents('r');
    expect(events).toEqual([
      { type: 'thread_start', x: 1 },
      { type: 'cmd', n: 1e21, d: [1, -0, 1e-7], s: 'é\u2028"', nil: null },
      { type: 'last', role: 'tester' },
    ]);
    expect(Object.is((events[1].d as number[])[1], -0)).toBe(true);
    expect(store.getThreadEvents('none')).toEqual([]);
  });

  it('parses with JSON.parse rules: duplicate keys keep the last, __proto__ is an own key', () => {
    const { store } = openStore();
    const w = writer(store);
    w(EV, '{"type":"a","x":1,"type":"b"}', { raw: true });
    w(EV, '{"type":"p","__proto__":{"polluted":true}}', { raw: true });
    const [dup, proto] = store.getThreadEvents('r');
    expect(dup).toEqual({ type: 'b', x: 1 });
    expect(Object.keys(dup)).toEqual(['type', 'x']);
    expect(Object.keys(proto)).toEqual(['type', '__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a non-string runId', () => {
    const { store } = openStore();
    expectArgError(() => store.getThreadEvents(null as any), 'runId');
  });
});

describe('getThreadMessages', () => {
  it('returns {role, content, meta, timestamp} for message rows, with meta a present key even when missing', () => {
    const { store } = openStore();
    const w = writer(store);
    w(MSG, { role: '__start__', content: 'go' });
    w(MSG, { role: 'planner', content: 'plan', meta: { a: [1, { b: null }] }, timestamp: 100.5 });
    w(MSG, { content: 'no role' });
    w(MSG, { role: 'x', content: 5 });
    w(MSG, { role: 'late', content: 'c', timestamp: '5' });
    w(MSG, { role: 'nullmeta', content: 'c', meta: null });
    w(MSG, '[1,2]', { raw: true });
    w(MSG, 'nope', { raw: true });
    w(MSG, null);
    w(EV, { role: 'event-row', content: 'ignored' });
    w(MSG, { role: 'other', content: 'ignored' }, { refId: 'other' });
    const msgs = store.getThreadMessages('r');
    expect(msgs.map((m) => m.role)).toEqual(['__start__', 'planner', 'late', 'nullmeta']);
    for (const m of msgs) {
      expect(Object.keys(m)).toEqual(['role', 'content', 'meta', 'timestamp']);
      expect('meta' in m).toBe(true);
    }
    expect(msgs[0]).toStrictEqual({ role: '__start__', content: 'go', meta: undefined, timestamp: 0 });
    expect(msgs[1]).toStrictEqual({
      role: 'planner',
      content: 'plan',
      meta: { a: [1, { b: null }] },
      timestamp: 100.5,
    });
    expect(msgs[2]).toStrictEqual({ role: 'late', content: 'c', meta: undefined, timestamp: 0 });
    expect(msgs[3]).toStrictEqual({ role: 'nullmeta', content: 'c', meta: null, timestamp: 0 });
    expect(store.getThreadMessages('none')).toEqual([]);
  });

  it('big numbers, lone surrogates and duplicate keys come out as JSON.parse makes them', () => {
    const { store } = openStore();
    const w = writer(store);
    w(MSG, '{"role":"a","role":"b","content":"z","meta":{"v":123456789012345678901234567890,"u":"\\ud800"}}', {
      raw: true,
    });
    const [m] = store.getThreadMessages('r');
    expect(m.role).toBe('b');
    expect(m.meta).toEqual({ v: 1.2345678901234568e29, u: '\ud800' });
  });

  it('rejects a non-string runId', () => {
    const { store } = openStore();
    expectArgError(() => store.getThreadMessages(5 as any), 'runId');
  });
});

describe('getThreadRoundCount and getThreadRounds', () => {
  /** A run with 12 numbered rounds; some rows take a number but give no message. */
  function seeded() {
    const { store } = openStore();
    const w = writer(store);
    const ids: Record<string, number> = {};
    ids.start = w(EV, { type: 'thread_start', x: 1 }); // excluded
    ids.startMsg = w(MSG, { role: '__start__', content: 'go' }); // excluded
    ids.planner = w(MSG, { role: 'planner', content: 'plan', meta: { a: 1 }, timestamp: 100 }); // 1
    ids.coder = w(MSG, { role: 'coder', content: 'code' }); // 2
    ids.cmd = w(EV, { type: 'cmd', n: 1e21, s: 'é', role: 5 }); // 3
    ids.cmd2 = w(EV, { type: 'cmd2', role: 'tester', content: 7 }); // 4
    ids.array = w(MSG, '[1,2]', { raw: true }); // 5, no message
    ids.noRole = w(MSG, { content: 'x' }); // 6, no message
    ids.noType = w(EV, { notype: 1 }); // 7, no message
    ids.invalid = w(EV, 'not json', { raw: true }); // excluded (json_valid)
    ids.nullPayload = w(MSG, null); // excluded
    ids.dupStart = w(MSG, '{"role":"__start__","role":"x","content":"c"}', { raw: true }); // excluded: SQL sees the first role
    ids.dupStart2 = w(MSG, '{"role":"x","role":"__start__","content":"c"}', { raw: true }); // 8, JSON.parse keeps the last role
    ids.json5 = w(MSG, "{role:'a',content:'b'}", { raw: true }); // excluded: not RFC 8259 JSON
    ids.number = w(EV, '42', { raw: true }); // 9, no message
    ids.typeNum = w(MSG, { type: 5, role: 'r', content: 'typed' }); // 10
    ids.cmd3 = w(EV, { type: 'cmd3', content: 'hello', timestamp: 5 }); // 11
    ids.late = w(MSG, { role: 'late', content: 'c', timestamp: '5' }); // 12
    w(MSG, { role: 'o', content: 'o' }, { refId: 'other' });
    return { store, ids };
  }

  it('counts role rounds: valid JSON rows that are not thread_start / __start__', () => {
    const { store } = seeded();
    expect(store.getThreadRoundCount('r')).toBe(12);
    expect(store.getThreadRoundCount('other')).toBe(1);
    expect(store.getThreadRoundCount('none')).toBe(0);
  });

  it('numbers rounds in id order; rows that give no message keep their number', () => {
    const { store, ids } = seeded();
    const rows = store.getThreadRounds('r', { before: 0, limit: 100 });
    expect(rows.map((r) => [r.round, r.logId])).toEqual([
      [12, ids.late],
      [11, ids.cmd3],
      [10, ids.typeNum],
      [8, ids.dupStart2],
      [4, ids.cmd2],
      [3, ids.cmd],
      [2, ids.coder],
      [1, ids.planner],
    ]);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(['round', 'logId', 'timestamp', 'message']);
      expect(Object.keys(r.message)).toEqual(['role', 'content', 'meta', 'timestamp']);
      expect(r.timestamp).toBe(r.logId * 10);
    }
  });

  it('messages: workflow messages as stored; command events dressed with JSON.stringify content', () => {
    const { store, ids } = seeded();
    const byId = new Map(store.getThreadRounds('r', { before: 0, limit: 100 }).map((r) => [r.logId, r.message]));
    expect(byId.get(ids.planner)).toStrictEqual({ role: 'planner', content: 'plan', meta: { a: 1 }, timestamp: 100 });
    expect(byId.get(ids.coder)).toStrictEqual({ role: 'coder', content: 'code', meta: undefined, timestamp: 0 });
    expect(byId.get(ids.late)).toStrictEqual({ role: 'late', content: 'c', meta: undefined, timestamp: 0 });
    expect(byId.get(ids.dupStart2)).toStrictEqual({ role: '__start__', content: 'c', meta: undefined, timestamp: 0 });
    // role: obj.role when a string, else obj.type; content: JSON.stringify(obj) unless a string;
    // meta: the whole record; timestamp: the row's.
    expect(byId.get(ids.cmd)).toStrictEqual({
      role: 'cmd',
      content: '{"type":"cmd","n":1e+21,"s":"é","role":5}',
      meta: { type: 'cmd', n: 1e21, s: 'é', role: 5 },
      timestamp: ids.cmd * 10,
    });
    expect(byId.get(ids.cmd2)).toStrictEqual({
      role: 'tester',
      content: '{"type":"cmd2","role":"tester","content":7}',
      meta: { type: 'cmd2', role: 'tester', content: 7 },
      timestamp: ids.cmd2 * 10,
    });
    expect(byId.get(ids.cmd3)).toStrictEqual({
      role: 'cmd3',
      content: 'hello',
      meta: { type: 'cmd3', content: 'hello', timestamp: 5 },
      timestamp: ids.cmd3 * 10,
    });
  });

  it('JSON.stringify content is byte-for-byte what JavaScript produces (numbers, key order, escapes)', () => {
    const { store } = openStore();
    const w = writer(store);
    const payloads = [
      '{"type":"cmd","s":"\\u0001\\u001f\\u007f\u2028\\u2029 \\ud83d\\ude00 \\udc00 é \\/ \\"","k":-0,"n":1e21,"m":1e-7,"f":0.1,"e":1E+2,' +
        '"big":123456789012345678901234567890,"2":0,"1":0,"a":{"z":1,"0":2},"4294967295":1,"4294967294":2,"-1":3,"01":4}',
      '{"type":"dup","x":1,"type":"dup2"}',
      '{"type":"nested","role":{"x":1},"content":null,"arr":[[],{},"",0.000001,5e-324,1.7976931348623157e308]}',
      '{"type":"esc","t":"tab\\there\\nline\\b\\f\\r","z":"\\u0000"}',
    ];
    for (const p of payloads) w(EV, p, { raw: true, ts: 1.5 });
    const got = store.getThreadRounds('r', { before: 0, limit: 10 }).reverse();
    expect(got.map((r) => r.message.content)).toEqual(payloads.map((p) => JSON.stringify(JSON.parse(p))));
    expect(got.map((r) => r.message.role)).toEqual(['cmd', 'dup2', 'nested', 'esc']);
    expect(got.every((r) => r.message.timestamp === 1.5 && r.timestamp === 1.5)).toBe(true);
    // Spot-check a few literal bytes too.
    expect(
      got[0].message.content.startsWith(
        '{"1":0,"2":0,"4294967294":2,"type":"cmd","s":"\\u0001\\u001f\u007f\u2028\u2029 😀 \\udc00 é / \\""',
      ),
    ).toBe(true);
    expect(got[0].message.content).toContain(
      '"k":0,"n":1e+21,"m":1e-7,"f":0.1,"e":100,"big":1.2345678901234568e+29,"a":{"0":2,"z":1},"4294967295":1,"-1":3,"01":4}',
    );
  });

  it('before is an exclusive bound on the round (0 = none); limit caps rows, highest round first', () => {
    const { store } = openStore();
    const w = writer(store);
    for (let i = 1; i <= 6; i++) w(MSG, { role: `r${i}`, content: 'c' });
    const rounds = (before: number, limit: number) => store.getThreadRounds('r', { before, limit }).map((r) => r.round);
    expect(rounds(0, 100)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(rounds(0, 2)).toEqual([6, 5]);
    expect(rounds(4, 2)).toEqual([3, 2]);
    expect(rounds(4, 100)).toEqual([3, 2, 1]);
    expect(rounds(7, 100)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(rounds(1, 100)).toEqual([]);
    expect(rounds(2.5, 10)).toEqual([2, 1]);
    expect(rounds(-1, 10)).toEqual([]);
    expect(rounds(0, 2 ** 53)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('limit below 1 returns [] (fractions and negatives too)', () => {
    const { store } = openStore();
    const w = writer(store);
    w(MSG, { role: 'a', content: 'c' });
    for (const limit of [0, -1, 0.5, -Infinity]) expect(store.getThreadRounds('r', { before: 0, limit })).toEqual([]);
    expect(store.getThreadRounds('r', { before: 0, limit: 1 })).toHaveLength(1);
  });

  it('a fractional limit of 1 or more fails as SQLite fails it (datatype mismatch)', () => {
    const { store } = openStore();
    writer(store)(MSG, { role: 'a', content: 'c' });
    let err: (Error & { code?: string }) | undefined;
    try {
      store.getThreadRounds('r', { before: 0, limit: 1.5 });
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.code).toBe('ERR_SQLITE_ERROR');
    expect(err?.message).toBe('datatype mismatch');
  });

  it('unknown run gives 0 and []', () => {
    const { store } = seeded();
    expect(store.getThreadRoundCount('zzz')).toBe(0);
    expect(store.getThreadRounds('zzz', { before: 0, limit: 10 })).toEqual([]);
  });

  it('wrong argument types throw naming the argument', () => {
    const { store } = seeded();
    expectArgError(() => store.getThreadRoundCount(5 as any), 'runId');
    expectArgError(() => store.getThreadRounds(5 as any, { before: 0, limit: 5 }), 'runId');
    expectArgError(() => store.getThreadRounds('r', null as any), 'params');
    expectArgError(() => (store.getThreadRounds as any)('r'), 'params');
    expectArgError(() => store.getThreadRounds('r', { before: '3', limit: 5 } as any), 'params.before');
    expectArgError(() => store.getThreadRounds('r', { limit: 5 } as any), 'params.before');
    expectArgError(() => store.getThreadRounds('r', { before: 0, limit: '3' } as any), 'params.limit');
    expectArgError(() => store.getThreadRounds('r', { before: 0, limit: 3n } as any), 'params.limit');
  });
});
