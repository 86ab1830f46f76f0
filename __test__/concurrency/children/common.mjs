// What every child process of the sustained test shares: its settings, the virtual clock, the
// tally of operations, the acknowledged rows and every error it saw, and the report it leaves.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const DAY = 86_400_000;

/** Settings handed down by the spec as JSON in argv[2]. */
export const config = JSON.parse(process.argv[2]);
const { name, startAt, durationMs, dayMs, baseMs, seed } = config;

/**
 * Virtual time: one UTC day passes every `dayMs` of real time, starting at `baseMs` (a midnight)
 * when the run starts. Every process computes it from the same wall clock, so rows of all the
 * processes move through the days together and the archiver finds whole days to move.
 */
export function virtualNow() {
  return baseMs + Math.floor(((Date.now() - startAt) * DAY) / dayMs);
}

// Every process starts its work at the same moment, once all of them are up.
await sleep(Math.max(0, startAt - Date.now()));

export function running() {
  return Date.now() < startAt + durationMs;
}

/** mulberry32, seeded per process so a failing run can be replayed. */
let state = seed >>> 0;
export function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
export const pick = (n) => Math.floor(random() * n);

const ops = {};
const acks = [];
const errors = [];
let checks = 0;
let n = 0;

/** A tag no other row of the run carries: `<process>:<n>`. */
export function nextTag() {
  n += 1;
  return `${name}:${n}`;
}

export function count(kind, by = 1) {
  ops[kind] = (ops[kind] ?? 0) + by;
}

/** A row the store said it committed. */
export function ack(row) {
  const tag = JSON.parse(row.payload).tag;
  acks.push([row.id, tag]);
}

export function checked(by = 1) {
  checks += by;
}

/** Records a failure (thrown error or broken invariant) with what the process was doing. */
export function fail(op, e) {
  const err = e instanceof Error ? e : new Error(String(e));
  if (errors.length < 200) {
    errors.push({
      op,
      name: err.name,
      code: err.code ?? null,
      errcode: err.errcode ?? null,
      errstr: err.errstr ?? null,
      message: err.message,
    });
  }
}

/** Runs `fn` as operation `kind`; a throw or rejection is recorded, never propagated. */
export async function op(kind, fn) {
  try {
    await fn();
    count(kind);
  } catch (e) {
    fail(kind, e);
  }
}

/** A short random pause between operations, so the processes interleave (and two cores suffice). */
export function pace() {
  return sleep(config.paceMs > 0 ? 1 + pick(config.paceMs) : 0);
}

export function report(extra = {}) {
  writeFileSync(config.report, JSON.stringify({ name, ops, acks, errors, checks, ...extra }));
}
