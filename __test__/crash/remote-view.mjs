// The remote side of the crash loop's remote phase (children write with `keepLocal: false`, so
// blobs and day files leave the disk once their upload is verified). Taken after each kill,
// before the checks: what the bucket holds under the data directory's prefix, read with the AWS
// SDK (not with this package), so the checks can find an acknowledged blob or archived row
// either on disk or in the bucket, and never only in the queue.
import { sha256 } from './workload.mjs';

const BLOB_KEY = /\/blobs\/([0-9a-f]{2})\/([0-9a-f]{62})$/;
const DAY_KEY = /\/archive\/[^/]+\/logs\/(\d{4}-\d{2}-\d{2})\.jsonl$/;

/**
 * `{ blobs: Set<hash>, days: Map<day, text>, bodies: Map<hash, Buffer> }`: every blob key, every
 * day object's text, and the bytes of the `wanted` blobs that are only remote (the checks read
 * those back). A body whose sha256 is not its key is reported in `problems`.
 */
export async function remoteView(objects, prefix, wanted = []) {
  const blobs = new Set();
  const days = new Map();
  const problems = [];
  for (const key of await objects.list(`${prefix}/`)) {
    const b = BLOB_KEY.exec(key);
    if (b) {
      blobs.add(b[1] + b[2]);
      continue;
    }
    const d = DAY_KEY.exec(key);
    if (d) days.set(d[1], (await objects.get(key))?.toString('utf8') ?? '');
    else problems.push(`the bucket holds ${key}, which is neither a blob nor a day`);
  }
  const bodies = new Map();
  for (const hash of new Set(wanted)) {
    if (!blobs.has(hash)) continue;
    const body = await objects.get(`${prefix}/blobs/${hash.slice(0, 2)}/${hash.slice(2)}`);
    if (body === null) continue;
    const actual = sha256(body);
    if (actual !== hash) problems.push(`DAMAGED: remote blob ${hash} hashes to ${actual}`);
    bodies.set(hash, body);
  }
  return { blobs, days, bodies, problems };
}
