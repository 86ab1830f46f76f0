'use strict';
const { NativeLogStore } = require('./native');
const { archiveReads } = require('./archive-read');
const { archiveDirFor } = require('./layout');
const payloads = require('./thread-payloads');
const { decodeRows, decodeRowsSliced } = require('./rows');
const { searchMembers } = require('./search');
const { ThreadCache, cloneJson } = require('./thread-cache');

function copyMessage(m) {
  return { role: m.role, content: m.content, meta: cloneJson(m.meta), timestamp: m.timestamp };
}

function noop() {}

/** Runs `start` (which may throw synchronously) and always returns its promise. */
function promised(start) {
  try {
    return start();
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Opens (creating if needed) the SQLite log store at `dbPath`. The returned object has the
 * same members, and the same behaviour, as `@uncaged/nerve-store`'s `createLogStore`, and this
 * package's additions. `options.readOnly` opens an existing database for reading only.
 */
function createLogStore(dbPath, options) {
  // Computed with node:path so `filePath` in archive results matches the reference to the byte.
  // A non-string dbPath is refused by the native constructor, by name, before this is used.
  const archiveDir = typeof dbPath === 'string' ? archiveDirFor(dbPath) : '';
  const native = new NativeLogStore(dbPath, options, archiveDir);
  const events = new ThreadCache(
    (runId, generation, after) => native.threadEventsSince(runId, generation, after),
    (obj) => (typeof obj.type === 'string' ? obj : null),
    cloneJson,
  );
  // appendAsync: promises by sequence number, settled after each group commit.
  const pending = new Map();
  let groupStarted = false;
  let keepAlive = null;
  function settleCommitted([seqs, outcomes]) {
    for (let i = 0; i < seqs.length; i++) {
      const p = pending.get(seqs[i]);
      pending.delete(seqs[i]);
      const outcome = outcomes[i];
      if (typeof outcome === 'number') {
        p.out.id = outcome;
        p.resolve(p.out);
      } else {
        p.reject(outcome);
      }
    }
    if (pending.size === 0 && keepAlive !== null) {
      clearInterval(keepAlive);
      keepAlive = null;
    }
  }
  const messages = new ThreadCache(
    (runId, generation, after) => native.threadMessagesSince(runId, generation, after),
    payloads.workflowMessage,
    copyMessage,
  );

  function upsertWorkflowRun(entry, run) {
    const id = native.upsertWorkflowRun(entry, run);
    return { ...entry, id };
  }

  return {
    append(entry) {
      const id = native.append(entry);
      return { ...entry, id };
    },
    /** Inserts every entry in one transaction (all or none); returns them with their ids. */
    appendMany(entries) {
      const ids = native.appendMany(entries);
      return ids.map((id, i) => ({ ...entries[i], id }));
    },
    /** Resolves once the row is durable; appends in flight together share one commit. */
    appendAsync(entry) {
      return promised(() => {
        if (!groupStarted) {
          native.startGroupCommit(settleCommitted);
          groupStarted = true;
        }
        const seq = native.appendQueued(entry);
        const out = { ...entry };
        return new Promise((resolve, reject) => {
          pending.set(seq, { out, resolve, reject });
          // The commit callback does not hold the event loop open; this timer does, until the
          // last pending append is settled.
          keepAlive ??= setInterval(noop, 0x7fffffff);
        });
      });
    },
    query(filter) {
      return decodeRows(native.query(filter));
    },
    queryAsync(filter) {
      return promised(() => native.queryAsync(filter).then(decodeRowsSliced));
    },
    getMeta(key) {
      return native.getMeta(key);
    },
    setMeta(key, value) {
      native.setMeta(key, value);
    },
    upsertWorkflowRun,
    appendWithWorkflowUpdate(entry, run) {
      return upsertWorkflowRun(entry, run);
    },
    getWorkflowRun(runId) {
      return native.getWorkflowRun(runId);
    },
    getActiveWorkflowRuns(workflowName) {
      return native.getActiveWorkflowRuns(workflowName);
    },
    getAllWorkflowRuns(workflowName) {
      return native.getAllWorkflowRuns(workflowName);
    },
    getTriggerPayload(runId) {
      const text = native.triggerPayload(runId);
      return text === null ? null : payloads.triggerPayload(JSON.parse(text));
    },
    getThreadEvents(runId) {
      return events.read(runId);
    },
    getThreadMessages(runId) {
      return messages.read(runId);
    },
    getThreadRoundCount(runId) {
      return native.threadRoundCount(runId);
    },
    getThreadRounds(runId, params) {
      const out = [];
      for (const row of native.threadRounds(runId, params)) {
        const message = payloads.roundMessage(JSON.parse(row.payload), row.timestamp);
        if (message !== null) out.push({ round: row.round, logId: row.logId, timestamp: row.timestamp, message });
      }
      return out;
    },
    archiveLogs(options) {
      return native.archiveLogs(options, archiveDir);
    },
    /** `archiveLogs` off the JavaScript thread. */
    archiveLogsAsync(options) {
      return promised(() => native.archiveLogsAsync(options, archiveDir));
    },
    /** The days `archiveLogs(options)` would move now, with their row counts; changes nothing. */
    archivePlan(options) {
      return native.archivePlan(options);
    },
    ...searchMembers(native, promised, archiveDir),
    ...archiveReads(native, archiveDir),
    /** The archive's upload state now: `{ enabled, url, uploaded, pending, failed, lastError }`. */
    remoteStatus() {
      return native.remoteStatus();
    },
    /** Settles when every day archived before the call is verified remote (or failed this pass). */
    syncRemote() {
      return promised(() => native.syncRemote());
    },
    /** Checks every archive day against its remote copy: `{ enabled, days, missing, differing }`. */
    verifyRemote() {
      return promised(() => native.verifyRemote());
    },
    close() {
      native.close();
      events.clear();
      messages.clear();
    },
  };
}

module.exports = { createLogStore };
