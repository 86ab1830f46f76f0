// The brute-force truth for search: the documented tokenizing done in JavaScript, and a scan.
import type { LogEntry } from '../../index.mjs';

const CJK =
  /[\u1100-\u11FF\u3040-\u30FF\u3130-\u318F\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF66-\uFF9F\u{20000}-\u{3134F}]/u;

/** CJK runs as their overlapping pairs, set apart by spaces. */
export function paired(s: string): string {
  let out = '';
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) out += ` ${run[0]} `;
    else if (run.length > 1)
      out += ` ${run
        .slice(1)
        .map((c, i) => run[i] + c)
        .join(' ')} `;
    run = [];
  };
  for (const c of s) {
    if (CJK.test(c)) run.push(c);
    else {
      flush();
      out += c;
    }
  }
  flush();
  return out;
}

export function tokens(s: string): string[] {
  return paired(s)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function strings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
}

/** What a row is found by: source, type, refId and the payload's string values (or its text). */
export function rowTokens(e: Omit<LogEntry, 'id'>): string[] {
  const parts = [e.source, e.type, e.refId ?? ''];
  if (e.payload !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(e.payload);
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object') strings(parsed, parts);
    else if (typeof parsed === 'string') parts.push(parsed);
    else parts.push(e.payload);
  }
  return tokens(parts.join(' '));
}

function hasSequence(hay: string[], needle: string[]): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Plain mode: every whitespace-separated word's tokens occur in a row, in sequence. */
export function matches(rowToks: string[], text: string): boolean {
  const words = text.split(/[\s\p{Cc}]+/u).filter((w) => tokens(w).length > 0);
  return words.length > 0 && words.every((w) => hasSequence(rowToks, tokens(w)));
}

/** A seeded generator of numbers in [0, 1), for the generated logs of the search specs. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}
