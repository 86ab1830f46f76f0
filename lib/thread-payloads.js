'use strict';
// Shapes that thread and trigger payloads take once JSON.parse has run. The native side has
// already kept only payloads that JSON.parse turns into plain objects, so every `obj` here is one.

function isRecord(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function launchShape(rec) {
  if (typeof rec.prompt !== 'string' || typeof rec.maxRounds !== 'number') return null;
  return {
    prompt: rec.prompt,
    maxRounds: rec.maxRounds,
    dryRun: typeof rec.dryRun === 'boolean' ? rec.dryRun : false,
  };
}

/** The launch parameters of a `workflow/started` payload, else its `triggerPayload` record. */
function triggerPayload(obj) {
  const direct = launchShape(obj);
  if (direct !== null) return direct;
  const inner = obj.triggerPayload;
  if (isRecord(inner)) return launchShape(inner) ?? inner;
  return null;
}

function workflowMessage(obj) {
  if (typeof obj.role !== 'string' || typeof obj.content !== 'string') return null;
  return {
    role: obj.role,
    content: obj.content,
    meta: obj.meta,
    timestamp: typeof obj.timestamp === 'number' ? obj.timestamp : 0,
  };
}

/** A round's message: a workflow message, or a command event dressed as one. */
function roundMessage(obj, fallbackTs) {
  const message = workflowMessage(obj);
  if (message !== null) return message;
  if (typeof obj.type !== 'string') return null;
  return {
    role: typeof obj.role === 'string' ? obj.role : obj.type,
    content: typeof obj.content === 'string' ? obj.content : JSON.stringify(obj),
    meta: obj,
    timestamp: fallbackTs,
  };
}

module.exports = { triggerPayload, workflowMessage, roundMessage };
