import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as esm from '../../index.mjs';
import { createBlobStore, createLogStore, DEFAULT_LOG_RETENTION_MS, LOG_ARCHIVE_META_KEY } from '../../index.mjs';
import { LOG_STORE_ADDITIONS } from '../support/additions';

const req = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../../', import.meta.url));

const FUNCTIONS = [
  'assertValidUtcDay',
  'compareIsoDays',
  'createBlobStore',
  'createLogStore',
  'lastArchivableUtcDay',
  'nextUtcDay',
  'normalizeBlobHash',
  'prevUtcDay',
  'utcDateStringFromMs',
  'utcDayEndExclusiveMs',
  'utcDayStartMs',
];
const CONSTANTS = ['DEFAULT_LOG_RETENTION_MS', 'LOG_ARCHIVE_META_KEY'];
const ALL = [...CONSTANTS, ...FUNCTIONS].sort();

const LOG_STORE_MEMBERS = [
  'append',
  'query',
  'getMeta',
  'setMeta',
  'upsertWorkflowRun',
  'appendWithWorkflowUpdate',
  'getWorkflowRun',
  'getActiveWorkflowRuns',
  'getAllWorkflowRuns',
  'getTriggerPayload',
  'getThreadEvents',
  'getThreadMessages',
  'getThreadRoundCount',
  'getThreadRounds',
  'archiveLogs',
  'close',
];
/** Additions beyond the reference: batch, async, archive-read and search members. */
const LOG_STORE_ADDED: readonly string[] = LOG_STORE_ADDITIONS;

describe('package entry points', () => {
  it('ESM exports exactly the reference surface', () => {
    expect(Object.keys(esm).sort()).toEqual(ALL);
    for (const f of FUNCTIONS) expect(typeof (esm as Record<string, unknown>)[f], f).toBe('function');
  });

  it('require() gives the same functions and values as import', () => {
    const cjs = req('../../index.js');
    expect(Object.keys(cjs).sort()).toEqual(ALL);
    for (const k of ALL) expect(cjs[k], k).toBe((esm as Record<string, unknown>)[k]);
  });

  it('the package resolves by its own name for require', () => {
    const self = req('nerve-store-native');
    expect(self).toBe(req('../../index.js'));
  });

  it('plain Node (no bundler) loads both entry points and the package self-reference', () => {
    const script = `
      const { createRequire } = require('node:module');
      const req = createRequire(${JSON.stringify(`${root}index.js`)});
      const cjs = req('./index.js');
      Promise.all([import(${JSON.stringify(`${root}index.mjs`)}), import('nerve-store-native')]).then(([m, self]) => {
        const keys = Object.keys(m).filter((k) => k !== 'default').sort();
        const same = keys.every((k) => m[k] === cjs[k] && self[k] === cjs[k]);
        process.stdout.write(JSON.stringify({ keys, same }));
      });`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ keys: ALL, same: true });
  });

  it('has the two constants', () => {
    expect(LOG_ARCHIVE_META_KEY).toBe('archived_up_to');
    expect(DEFAULT_LOG_RETENTION_MS).toBe(30 * 24 * 60 * 60 * 1000);
    expect(DEFAULT_LOG_RETENTION_MS).toBe(2_592_000_000);
  });

  it('createLogStore returns an object with the LogStore members and the added batch and async ones', () => {
    const s = createLogStore(':memory:');
    try {
      expect(Object.keys(s).sort()).toEqual([...LOG_STORE_MEMBERS, ...LOG_STORE_ADDED].sort());
      for (const k of [...LOG_STORE_MEMBERS, ...LOG_STORE_ADDED])
        expect(typeof (s as Record<string, unknown>)[k], k).toBe('function');
    } finally {
      s.close();
    }
  });

  it('createBlobStore returns an object with write, read and exists, plus the async and file members', () => {
    const b = createBlobStore('/nonexistent/never-written');
    expect(Object.keys(b).sort()).toEqual([
      'exists',
      'existsAsync',
      'pushRemote',
      'read',
      'readAsync',
      'readToFile',
      'remoteStatus',
      'syncRemote',
      'write',
      'writeAsync',
      'writeFile',
    ]);
  });
});
