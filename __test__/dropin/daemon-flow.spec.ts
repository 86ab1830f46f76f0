/**
 * Drop-in test: written only against `@uncaged/nerve-store`'s public API and types, the way the
 * nerve daemon uses it. vitest runs this file unchanged twice (see vitest.config.mjs): once against
 * the TypeScript reference and once with "@uncaged/nerve-store" resolved to the native package; and
 * `npm run test:types` type-checks it against both packages' declarations.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type {
  ArchiveLogsDayResult,
  ArchiveLogsOptions,
  ArchiveLogsResult,
  BlobStore,
  GetThreadRoundsParams,
  LogEntry,
  LogQuery,
  LogStore,
  ThreadRoundRow,
  WorkflowRun,
  WorkflowRunStatus,
} from '@uncaged/nerve-store';
import {
  assertValidUtcDay,
  compareIsoDays,
  createBlobStore,
  createLogStore,
  DEFAULT_LOG_RETENTION_MS,
  LOG_ARCHIVE_META_KEY,
  lastArchivableUtcDay,
  nextUtcDay,
  normalizeBlobHash,
  prevUtcDay,
  utcDateStringFromMs,
  utcDayEndExclusiveMs,
  utcDayStartMs,
} from '@uncaged/nerve-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The daemon's clock for this test: 2025-06-15T12:00:00Z. */
const NOW = Date.UTC(2025, 5, 15, 12);

type ThreadMessage = { role: string; content: string; meta: unknown; timestamp: number };
type LaunchParams = { prompt: string; maxRounds: number; dryRun: boolean };

function isLaunchParams(v: unknown): v is LaunchParams {
  return typeof v === 'object' && v !== null && 'prompt' in v && 'maxRounds' in v && 'dryRun' in v;
}

/** The daemon's thin wrapper: every workflow transition is one log row plus the run upsert. */
class WorkflowTracker {
  constructor(private readonly store: LogStore) {}

  transition(
    runId: string,
    workflow: string,
    status: WorkflowRunStatus,
    at: number,
    payload: object | null,
    exitCode: number | null = null,
  ): LogEntry {
    const entry: Omit<LogEntry, 'id'> = {
      source: 'workflow',
      type: status,
      refId: runId,
      payload: payload === null ? null : JSON.stringify(payload),
      timestamp: at,
    };
    const run: WorkflowRun = { runId, workflow, status, timestamp: at, exitCode };
    return this.store.upsertWorkflowRun(entry, run);
  }

  message(runId: string, msg: ThreadMessage): LogEntry {
    return this.store.append({
      source: 'workflow',
      type: 'thread_workflow_message',
      refId: runId,
      payload: JSON.stringify(msg),
      timestamp: msg.timestamp,
    });
  }

  command(runId: string, event: { type: string; [key: string]: unknown }, at: number): LogEntry {
    return this.store.append({
      source: 'workflow',
      type: 'thread_command_event',
      refId: runId,
      payload: JSON.stringify(event),
      timestamp: at,
    });
  }
}

describe('nerve daemon flow against @uncaged/nerve-store', () => {
  let dataDir: string;
  let dbPath: string;
  let store: LogStore;
  let blobs: BlobStore;
  let tracker: WorkflowTracker;

  beforeAll(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'nerve-dropin-')), 'data');
    dbPath = join(dataDir, 'logs.db');
    store = createLogStore(dbPath);
    blobs = createBlobStore(join(dataDir, 'blobs'));
    tracker = new WorkflowTracker(store);
  });

  afterAll(() => {
    try {
      store.close();
    } catch {
      // closed by the last test
    }
    rmSync(dirname(dataDir), { recursive: true, force: true });
  });

  it('boots: records signals and returns them with ids, in the caller key order', () => {
    const boot: Omit<LogEntry, 'id'> = {
      source: 'system',
      type: 'boot',
      refId: null,
      payload: '{"version":"0.5.0"}',
      timestamp: NOW - 45 * DAY,
    };
    const first: LogEntry = store.append(boot);
    expect(first).toEqual({ ...boot, id: 1 });
    expect(Object.keys(first)).toEqual(['source', 'type', 'refId', 'payload', 'timestamp', 'id']);

    // Old reflex signals (archived later) and recent ones.
    const signals: Array<Omit<LogEntry, 'id'>> = [
      { source: 'reflex', type: 'signal', refId: 'sensor-1', payload: '{"temp":21.5}', timestamp: NOW - 44 * DAY },
      { source: 'reflex', type: 'signal', refId: 'sensor-2', payload: '{"temp":19}', timestamp: NOW - 44 * DAY + 1.5 },
      { source: 'reflex', type: 'signal', refId: 'sensor-1', payload: null, timestamp: NOW - 42 * DAY },
      { timestamp: NOW - 2 * DAY, payload: '{"temp":22}', refId: 'sensor-1', type: 'signal', source: 'reflex' },
      { source: 'reflex', type: 'signal', refId: 'sensor-2', payload: '{"temp":23.25}', timestamp: NOW - MINUTE },
    ];
    const ids = signals.map((s) => store.append(s).id);
    expect(ids).toEqual([2, 3, 4, 5, 6]);
    store.setMeta('daemon.last_boot', String(NOW));
    expect(store.getMeta('daemon.last_boot')).toBe(String(NOW));
    expect(store.getMeta('daemon.missing')).toBeNull();
  });

  it('queries signals by source, type, ref, time window and limit', () => {
    const bySensor: LogQuery = { source: 'reflex', type: 'signal', refId: 'sensor-1' };
    const rows: LogEntry[] = store.query(bySensor);
    expect(rows.map((r) => r.id)).toEqual([2, 4, 5]);
    expect(rows[0]).toEqual({
      id: 2,
      source: 'reflex',
      type: 'signal',
      refId: 'sensor-1',
      payload: '{"temp":21.5}',
      timestamp: NOW - 44 * DAY,
    });
    for (const r of rows) expect(Object.keys(r)).toEqual(['id', 'source', 'type', 'refId', 'payload', 'timestamp']);

    const window: LogQuery = { source: 'reflex', since: NOW - 44 * DAY + 1.5, until: NOW - 2 * DAY };
    expect(store.query(window).map((r) => r.id)).toEqual([3, 4, 5]);
    expect(store.query({ source: 'reflex', limit: 2 }).map((r) => r.id)).toEqual([2, 3]);
    expect(store.query({ limit: 0 })).toEqual([]);
    expect(store.query({ limit: -1 })).toHaveLength(6);
    expect(store.query()).toHaveLength(6);
    expect(store.query({ source: 'nobody' })).toEqual([]);
    expect(store.query({ since: NOW - 44 * DAY + 1.5, until: NOW - 44 * DAY + 1.5 })[0]?.timestamp).toBe(
      NOW - 44 * DAY + 1.5,
    );
  });

  it('tracks workflow runs through their lifecycle', () => {
    const t = NOW - 10 * MINUTE;
    const launch = { prompt: 'Summarise the sensor data', maxRounds: 4, dryRun: false };
    tracker.transition('run-a', 'summarise', 'queued', t, { triggerPayload: launch });
    tracker.transition('run-a', 'summarise', 'started', t + 1000, { triggerPayload: launch });
    tracker.transition('run-b', 'summarise', 'queued', t + 2000, null);
    tracker.transition('run-c', 'deploy', 'queued', t + 3000, null);
    tracker.transition('run-c', 'deploy', 'started', t + 4000, { prompt: 'deploy it', maxRounds: 1 });
    const killed: WorkflowRunStatus = 'killed';
    const returned = tracker.transition('run-c', 'deploy', killed, t + 5000, { reason: 'operator' }, 137);
    expect(returned).toEqual({
      source: 'workflow',
      type: 'killed',
      refId: 'run-c',
      payload: '{"reason":"operator"}',
      timestamp: t + 5000,
      id: returned.id,
    });
    expect(Object.keys(returned)).toEqual(['source', 'type', 'refId', 'payload', 'timestamp', 'id']);

    const viaAlias = store.appendWithWorkflowUpdate(
      {
        source: 'workflow',
        type: 'started',
        refId: 'run-d',
        payload: JSON.stringify({ triggerPayload: { cron: '0 * * * *' } }),
        timestamp: t + 6000,
      },
      { runId: 'run-d', workflow: 'cron', status: 'started', timestamp: t + 6000, exitCode: null },
    );
    expect(viaAlias.id).toBe(returned.id! + 1);

    const runA: WorkflowRun | null = store.getWorkflowRun('run-a');
    expect(runA).toEqual({
      runId: 'run-a',
      workflow: 'summarise',
      status: 'started',
      timestamp: t + 1000,
      exitCode: null,
    });
    expect(store.getWorkflowRun('run-c')).toEqual({
      runId: 'run-c',
      workflow: 'deploy',
      status: 'killed',
      timestamp: t + 5000,
      exitCode: 137,
    });
    expect(store.getWorkflowRun('run-zzz')).toBeNull();

    // Active: queued or started, oldest first. All: newest first; null = every workflow.
    expect(store.getActiveWorkflowRuns().map((r) => r.runId)).toEqual(['run-a', 'run-b', 'run-d']);
    expect(store.getActiveWorkflowRuns('summarise').map((r) => r.runId)).toEqual(['run-a', 'run-b']);
    const all: WorkflowRun[] = store.getAllWorkflowRuns(null);
    expect(all.map((r) => [r.runId, r.status])).toEqual([
      ['run-d', 'started'],
      ['run-c', 'killed'],
      ['run-b', 'queued'],
      ['run-a', 'started'],
    ]);
    expect(store.getAllWorkflowRuns('deploy').map((r) => r.runId)).toEqual(['run-c']);
    expect(store.query({ source: 'workflow', refId: 'run-c' }).map((r) => r.type)).toEqual([
      'queued',
      'started',
      'killed',
    ]);
  });

  it('finds the trigger payload of each run', () => {
    const a: unknown = store.getTriggerPayload('run-a');
    expect(isLaunchParams(a)).toBe(true);
    expect(a).toEqual({ prompt: 'Summarise the sensor data', maxRounds: 4, dryRun: false });
    expect(store.getTriggerPayload('run-c')).toEqual({ prompt: 'deploy it', maxRounds: 1, dryRun: false });
    expect(store.getTriggerPayload('run-d')).toEqual({ cron: '0 * * * *' });
    expect(store.getTriggerPayload('run-b')).toBeNull();
    expect(store.getTriggerPayload('run-zzz')).toBeNull();
  });

  it('keeps a thread and serves it back as messages, events and rounds', () => {
    const t = NOW - 9 * MINUTE;
    tracker.command('run-a', { type: 'thread_start', maxRounds: 4 }, t);
    tracker.message('run-a', { role: '__start__', content: 'Summarise the sensor data', meta: null, timestamp: t });
    tracker.message('run-a', {
      role: 'planner',
      content: 'Read sensor-1 and sensor-2',
      meta: { tokens: 120 },
      timestamp: t + 1000,
    });
    tracker.command(
      'run-a',
      { type: 'tool_call', tool: 'query', args: { refId: 'sensor-1', limit: 10 }, ratio: 0.1 + 0.2 },
      t + 1500,
    );
    tracker.message('run-a', { role: 'analyst', content: 'Average 21.8C', meta: { tokens: 80 }, timestamp: t + 2000 });
    // A writer that omitted meta (older daemon versions did).
    store.append({
      source: 'workflow',
      type: 'thread_workflow_message',
      refId: 'run-a',
      payload: '{"role":"reviewer","content":"LGTM"}',
      timestamp: t + 3000,
    });
    tracker.message('run-b', { role: 'planner', content: 'other run', meta: null, timestamp: t + 4000 });

    const messages: ThreadMessage[] = store.getThreadMessages('run-a');
    expect(messages.map((m) => m.role)).toEqual(['__start__', 'planner', 'analyst', 'reviewer']);
    expect(messages[1]).toEqual({
      role: 'planner',
      content: 'Read sensor-1 and sensor-2',
      meta: { tokens: 120 },
      timestamp: t + 1000,
    });
    const reviewer = messages[3]!;
    expect(Object.keys(reviewer)).toEqual(['role', 'content', 'meta', 'timestamp']);
    expect(reviewer.meta).toBeUndefined();
    expect(reviewer.timestamp).toBe(0);

    const events: Array<{ type: string; [key: string]: unknown }> = store.getThreadEvents('run-a');
    expect(events.map((e) => e.type)).toEqual(['thread_start', 'tool_call']);
    expect(events[1]).toEqual({
      type: 'tool_call',
      tool: 'query',
      args: { refId: 'sensor-1', limit: 10 },
      ratio: 0.1 + 0.2,
    });

    const count: number = store.getThreadRoundCount('run-a');
    expect(count).toBe(4);
    expect(store.getThreadRoundCount('run-b')).toBe(1);

    const latest: GetThreadRoundsParams = { before: 0, limit: 2 };
    const page1: ThreadRoundRow[] = store.getThreadRounds('run-a', latest);
    expect(page1.map((r) => [r.round, r.message.role])).toEqual([
      [4, 'reviewer'],
      [3, 'analyst'],
    ]);
    const older: GetThreadRoundsParams = { before: page1[page1.length - 1]!.round, limit: 10 };
    const page2 = store.getThreadRounds('run-a', older);
    expect(page2.map((r) => [r.round, r.message.role])).toEqual([
      [2, 'tool_call'],
      [1, 'planner'],
    ]);
    const toolRound = page2[0]!;
    expect(toolRound.timestamp).toBe(t + 1500);
    expect(toolRound.message).toEqual({
      role: 'tool_call',
      content: JSON.stringify({
        type: 'tool_call',
        tool: 'query',
        args: { refId: 'sensor-1', limit: 10 },
        ratio: 0.1 + 0.2,
      }),
      meta: { type: 'tool_call', tool: 'query', args: { refId: 'sensor-1', limit: 10 }, ratio: 0.1 + 0.2 },
      timestamp: t + 1500,
    });
    expect(toolRound.message.content).toBe(
      '{"type":"tool_call","tool":"query","args":{"refId":"sensor-1","limit":10},"ratio":0.30000000000000004}',
    );
    expect(store.getThreadRounds('run-a', { before: 0, limit: 0 })).toEqual([]);
    expect(store.getThreadRounds('nobody', { before: 0, limit: 5 })).toEqual([]);
  });

  it('finishes runs and recovers after a restart', () => {
    const t = NOW - 5 * MINUTE;
    tracker.transition('run-a', 'summarise', 'completed', t, { summary: 'Average 21.8C' }, 0);
    store.close();

    // Restart: reopen, and mark whatever was still running as interrupted.
    store = createLogStore(dbPath);
    tracker = new WorkflowTracker(store);
    const active = store.getActiveWorkflowRuns();
    expect(active.map((r) => r.runId)).toEqual(['run-b', 'run-d']);
    for (const [i, r] of active.entries()) tracker.transition(r.runId, r.workflow, 'interrupted', t + 1000 + i, null);
    expect(store.getActiveWorkflowRuns()).toEqual([]);
    const statuses = store.getAllWorkflowRuns(null).map((r) => `${r.runId}:${r.status}:${r.exitCode}`);
    expect(statuses).toEqual([
      'run-d:interrupted:null',
      'run-b:interrupted:null',
      'run-a:completed:0',
      'run-c:killed:137',
    ]);
    expect(store.getThreadMessages('run-a')).toHaveLength(4);
    expect(store.getMeta('daemon.last_boot')).toBe(String(NOW));
  });

  it('stores large prompts as blobs and refers to them by hash', () => {
    const prompt = `Analyse: ${'sensor reading; '.repeat(2000)} ✓`;
    const hash: string = blobs.write(prompt);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(blobs.write(Buffer.from(prompt, 'utf8'))).toBe(hash);
    expect(blobs.write(new TextEncoder().encode(prompt))).toBe(hash);
    expect(readFileSync(join(dataDir, 'blobs', hash.slice(0, 2), hash.slice(2)), 'utf8')).toBe(prompt);

    store.append({
      source: 'workflow',
      type: 'prompt_blob',
      refId: 'run-a',
      payload: JSON.stringify({ blob: hash }),
      timestamp: NOW - MINUTE,
    });
    const ref = JSON.parse(store.query({ type: 'prompt_blob' })[0]!.payload!) as { blob: string };
    const bytes: Buffer | null = blobs.read(ref.blob);
    expect(bytes?.toString('utf8')).toBe(prompt);
    expect(blobs.read(` ${hash.toUpperCase()}\n`)?.equals(bytes!)).toBe(true);
    expect(blobs.exists(hash)).toBe(true);
    expect(normalizeBlobHash(`\t${hash.toUpperCase()} `)).toBe(hash);
    expect(normalizeBlobHash('not-a-hash')).toBeNull();
    expect(blobs.read('0'.repeat(64))).toBeNull();
    expect(blobs.exists('nope')).toBe(false);
  });

  it('computes UTC days for the archive', () => {
    const today: string = utcDateStringFromMs(NOW);
    expect(today).toBe('2025-06-15');
    assertValidUtcDay(today);
    expect(() => assertValidUtcDay('2025-02-29')).toThrow();
    expect(utcDayStartMs(today)).toBe(Date.UTC(2025, 5, 15));
    expect(utcDayEndExclusiveMs(today)).toBe(Date.UTC(2025, 5, 16));
    expect(prevUtcDay('2025-03-01')).toBe('2025-02-28');
    expect(nextUtcDay('2024-12-31')).toBe('2025-01-01');
    expect(lastArchivableUtcDay(NOW - DEFAULT_LOG_RETENTION_MS)).toBe('2025-05-15');
    expect(compareIsoDays('2025-05-15', today)).toBe(-1);
    expect(compareIsoDays(today, today)).toBe(0);
    expect(compareIsoDays(today, '2025-05-15')).toBe(1);
    expect(DEFAULT_LOG_RETENTION_MS).toBe(30 * DAY);
    expect(LOG_ARCHIVE_META_KEY).toBe('archived_up_to');
  });

  it('archives days past retention to JSONL files beside the database', () => {
    const firstPass: ArchiveLogsOptions = { now: NOW, maxDays: 2 };
    const partial: ArchiveLogsResult = store.archiveLogs(firstPass);
    expect(partial.days.map((d) => d.day)).toEqual(['2025-05-01', '2025-05-02']);
    expect(store.getMeta(LOG_ARCHIVE_META_KEY)).toBe('2025-05-02');

    const rest: ArchiveLogsResult = store.archiveLogs({ now: NOW, vacuum: true });
    expect(rest.vacuumed).toBe(true);
    const days: ArchiveLogsDayResult[] = [...partial.days, ...rest.days];
    expect(days[0]).toEqual({
      day: '2025-05-01',
      rowCount: 1,
      filePath: join(dataDir, 'archive', 'logs', '2025-05-01.jsonl'),
    });
    expect(days.map((d) => d.day).at(-1)).toBe('2025-05-15');
    expect(days).toHaveLength(15);
    expect(days.filter((d) => d.rowCount > 0).map((d) => [d.day, d.rowCount])).toEqual([
      ['2025-05-01', 1],
      ['2025-05-02', 2],
      ['2025-05-04', 1],
    ]);
    expect(store.getMeta(LOG_ARCHIVE_META_KEY)).toBe('2025-05-15');

    // Files: one JSON object per line, id order, each line ending in a newline; empty days are empty files.
    const may2 = readFileSync(join(dataDir, 'archive', 'logs', '2025-05-02.jsonl'), 'utf8');
    expect(may2).toBe(
      `{"id":2,"source":"reflex","type":"signal","refId":"sensor-1","payload":"{\\"temp\\":21.5}","timestamp":${NOW - 44 * DAY}}\n` +
        `{"id":3,"source":"reflex","type":"signal","refId":"sensor-2","payload":"{\\"temp\\":19}","timestamp":${NOW - 44 * DAY + 1.5}}\n`,
    );
    const archived = may2
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as LogEntry);
    expect(archived.map((r) => r.refId)).toEqual(['sensor-1', 'sensor-2']);
    expect(readFileSync(join(dataDir, 'archive', 'logs', '2025-05-03.jsonl'), 'utf8')).toBe('');

    // The archived rows left SQLite; recent ones stayed.
    expect(store.query({ until: NOW - 30 * DAY })).toEqual([]);
    expect(store.query({ source: 'reflex' }).map((r) => r.id)).toEqual([5, 6]);
    // Nothing more to do until another day passes.
    expect(store.archiveLogs({ now: NOW })).toEqual({ days: [], vacuumed: false });
    // New rows get new ids.
    expect(
      store.append({ source: 'system', type: 'archive_done', refId: null, payload: null, timestamp: NOW }).id,
    ).toBeGreaterThan(6);
  });

  it('refuses every call once closed', () => {
    store.close();
    const calls: Array<() => unknown> = [
      () => store.append({ source: 'system', type: 'late', refId: null, payload: null, timestamp: NOW }),
      () => store.query(),
      () => store.getMeta('k'),
      () => store.getAllWorkflowRuns(null),
      () => store.getThreadRounds('run-a', { before: 0, limit: 5 }),
      () => store.archiveLogs({ now: NOW }),
      () => store.close(),
    ];
    for (const call of calls) {
      let code: unknown;
      try {
        call();
      } catch (e) {
        code = (e as { code?: unknown }).code;
      }
      expect(code).toBe('ERR_INVALID_STATE');
    }
  });
});
