'use strict';
const { dirname, join } = require('node:path');
const { NativeLogStore } = require('./native');
const payloads = require('./thread-payloads');

/**
 * Opens (creating if needed) the SQLite log store at `dbPath`. The returned object has the
 * same members, and the same behaviour, as `@uncaged/nerve-store`'s `createLogStore`.
 */
function createLogStore(dbPath) {
  const native = new NativeLogStore(dbPath);
  // Computed with node:path so `filePath` in archive results matches the reference to the byte.
  const archiveDir = join(dirname(dbPath), 'archive', 'logs');

  function upsertWorkflowRun(entry, run) {
    const id = native.upsertWorkflowRun(entry, run);
    return { ...entry, id };
  }

  return {
    append(entry) {
      const id = native.append(entry);
      return { ...entry, id };
    },
    query(filter) {
      return native.query(filter);
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
      return JSON.parse(native.threadEventPayloads(runId)).filter((obj) => typeof obj.type === 'string');
    },
    getThreadMessages(runId) {
      const out = [];
      for (const obj of JSON.parse(native.threadMessagePayloads(runId))) {
        const message = payloads.workflowMessage(obj);
        if (message !== null) out.push(message);
      }
      return out;
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
    close() {
      native.close();
    },
  };
}

module.exports = { createLogStore };
