// A canonical text for any value the stores return or throw, so that two results compare equal
// exactly when a caller could not tell them apart: key order, own vs. missing keys, `undefined`
// vs. `null`, -0, NaN, the class of byte arrays and the prototype of objects all show.

import { divergence } from './stats';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function protoName(v: object): string {
  const proto = Object.getPrototypeOf(v);
  if (proto === null) return 'null-proto ';
  if (proto === Object.prototype) return '';
  return `${proto.constructor?.name ?? '?'} `;
}

class Tok {
  constructor(readonly s: string) {}
}

function leaf(v: unknown): string | null {
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return Object.is(v, -0) ? 'n:-0' : `n:${v}`;
    case 'string':
      // JSON.stringify escapes lone surrogates, so they show.
      return JSON.stringify(v);
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'symbol':
    case 'function':
      return `<${typeof v}>`;
  }
  if (v === null) return 'null';
  if (v instanceof Error) return canonError(v);
  if (ArrayBuffer.isView(v)) {
    const cls = Buffer.isBuffer(v) ? 'Buffer' : (v.constructor?.name ?? '?');
    return `${cls}<${hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}>`;
  }
  return null;
}

/** Iterative, so that payloads nested thousands deep do not overflow the stack. */
export function canon(root: unknown): string {
  const out: string[] = [];
  const work: unknown[] = [root];
  while (work.length > 0) {
    const v = work.pop();
    if (v instanceof Tok) {
      out.push(v.s);
      continue;
    }
    const l = leaf(v);
    if (l !== null) {
      out.push(l);
      continue;
    }
    const items: unknown[] = [];
    if (Array.isArray(v)) {
      const extra = Object.keys(v).filter((k) => !/^\d+$/.test(k));
      items.push(new Tok('['));
      for (let i = 0; i < v.length; i++) {
        if (i > 0) items.push(new Tok(','));
        items.push(i in v ? v[i] : new Tok('<hole>'));
      }
      items.push(new Tok(`${extra.length ? `;extra:${extra.join(',')}` : ''}]`));
    } else {
      items.push(new Tok(`${protoName(v as object)}{`));
      Reflect.ownKeys(v as object).forEach((k, i) => {
        const d = Object.getOwnPropertyDescriptor(v, k)!;
        items.push(
          new Tok(
            `${i > 0 ? ',' : ''}${typeof k === 'symbol' ? String(k) : JSON.stringify(k)}${d.enumerable ? '' : '(hidden)'}:`,
          ),
        );
        items.push('value' in d ? d.value : new Tok('<accessor>'));
      });
      items.push(new Tok('}'));
    }
    for (let i = items.length - 1; i >= 0; i--) work.push(items[i]);
  }
  return out.join('');
}

/** What a caller can observe of a thrown error. */
export type ErrorView = {
  cls: string;
  message: string;
  code: unknown;
  errcode: unknown;
  errstr: unknown;
  /** node:fs errors also carry these. */
  errno: unknown;
  syscall: unknown;
  path: unknown;
};

function errorClass(e: unknown): string {
  if (e instanceof TypeError) return 'TypeError';
  if (e instanceof RangeError) return 'RangeError';
  if (e instanceof SyntaxError) return 'SyntaxError';
  if (e instanceof Error) return 'Error';
  return `non-error ${typeof e}`;
}

export function errorView(e: unknown): ErrorView {
  const x = (e ?? {}) as Record<string, unknown>;
  return {
    cls: errorClass(e),
    message: e instanceof Error ? e.message : String(e),
    code: x.code,
    errcode: x.errcode,
    errstr: x.errstr,
    errno: x.errno,
    syscall: x.syscall,
    path: x.path,
  };
}

export function canonError(e: unknown): string {
  const v = errorView(e);
  const fsInfo =
    v.errno === undefined && v.syscall === undefined && v.path === undefined
      ? ''
      : ` errno=${String(v.errno)} syscall=${String(v.syscall)} path=${String(v.path)}`;
  return `${v.cls}(${JSON.stringify(v.message)} code=${String(v.code)} errcode=${String(v.errcode)} errstr=${String(v.errstr)}${fsInfo})`;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export function capture(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

export function showOutcome(o: Outcome): string {
  return o.ok ? `returned ${canon(o.value)}` : `threw ${canonError(o.error)}`;
}

/** Where each side's files live, so that paths in error messages compare as `<ROOT>`. */
export type Roots = { ref: string; ours: string };

/**
 * The one difference two failures may show: the reference's error has no `code` and ours adds
 * one, with the same class, message (each side's root written as `<ROOT>` when `roots` is given)
 * and `errcode`. Counts it as an allowed divergence and returns true.
 */
export function codeAdded(r: Outcome, o: Outcome, roots?: Roots): boolean {
  if (r.ok || o.ok) return false;
  const rv = errorView(r.error);
  const ov = errorView(o.error);
  const msg = (m: string, root: string | undefined) => (root === undefined ? m : m.split(root).join('<ROOT>'));
  const same =
    rv.cls === ov.cls && msg(rv.message, roots?.ref) === msg(ov.message, roots?.ours) && rv.errcode === ov.errcode;
  if (!same || rv.code !== undefined || ov.code === undefined) return false;
  divergence(`error-code-added(${String(ov.code)})`);
  return true;
}
