'use strict';
// Parsed thread payloads, kept between calls. A run's messages and events only ever grow (rows
// are appended with higher ids), so each call asks the native side for the rows after the last
// one seen and parses only those. The native side also says when the list must be read afresh:
// after another connection committed, or after this store archived. Callers always get fresh
// copies; the parsed values here are never handed out.

/** Runs kept per list; the least recently read is dropped first. */
const MAX_RUNS = 16;
/** Deeper values are not kept: copying them recursively could exhaust the stack. */
const MAX_DEPTH = 512;

function isTooDeep(value) {
  const stack = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_DEPTH) return true;
    for (const k of Object.keys(v)) stack.push([v[k], depth + 1]);
  }
  return false;
}

/** A copy equal to what `JSON.parse` made of the same text, own `__proto__` keys included. */
function cloneJson(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = [];
    for (let i = 0; i < v.length; i++) out.push(cloneJson(v[i]));
    return out;
  }
  const out = {};
  for (const k of Object.keys(v)) {
    if (k === '__proto__') {
      Object.defineProperty(out, k, { value: cloneJson(v[k]), writable: true, enumerable: true, configurable: true });
    } else {
      out[k] = cloneJson(v[k]);
    }
  }
  return out;
}

class ThreadCache {
  /**
   * @param fetch (runId, generation, lastId) => [generation, lastId, jsonArrayText, reset]
   * @param build parsed payload object => item to keep, or null to skip it
   * @param copy kept item => fresh copy for a caller
   */
  constructor(fetch, build, copy) {
    this.fetch = fetch;
    this.build = build;
    this.copy = copy;
    this.runs = new Map();
  }

  read(runId) {
    const known = this.runs.get(runId);
    const [generation, lastId, json, reset] = known
      ? this.fetch(runId, known.generation, known.lastId)
      : this.fetch(runId, -1, 0);
    const entry = known && !reset ? known : { generation, lastId, items: [], keep: true };
    entry.generation = generation;
    entry.lastId = lastId;
    const fresh = [];
    for (const obj of JSON.parse(json)) {
      const item = this.build(obj);
      if (item === null) continue;
      fresh.push(item);
      if (entry.keep && isTooDeep(item)) entry.keep = false;
    }
    this.runs.delete(runId);
    if (!entry.keep || generation < 0) {
      // Parsed just now and never kept, so they can go to the caller as they are.
      return entry.items.length === 0 ? fresh : entry.items.map(this.copy).concat(fresh);
    }
    for (const item of fresh) entry.items.push(item);
    this.runs.set(runId, entry);
    if (this.runs.size > MAX_RUNS) this.runs.delete(this.runs.keys().next().value);
    return entry.items.map(this.copy);
  }

  clear() {
    this.runs.clear();
  }
}

module.exports = { ThreadCache, cloneJson };
