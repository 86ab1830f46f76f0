// Garage's admin API (v2, JSON over HTTP with a bearer token): the same calls `garage json-api`
// makes over RPC, without starting a garage process per call.

// The admin API's routes are fixed: these take POST (router_v2.rs), the rest GET.
const POST = new Set([
  'ConnectClusterNodes',
  'UpdateClusterLayout',
  'ApplyClusterLayout',
  'CreateKey',
  'DeleteKey',
  'CreateBucket',
  'DeleteBucket',
  'AllowBucketKey',
  'DenyBucketKey',
]);

/** `call('CreateKey', { body })`, `call('GetNodeInfo', { query: { node: 'self' } })`. */
export function adminClient(adminUrl, token) {
  return async function call(endpoint, { query, body } = {}) {
    const url = new URL(`/v2/${endpoint}`, adminUrl);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method: POST.has(endpoint) ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`garage admin ${endpoint}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Polls `probe` until it returns a truthy value; the last error explains a timeout. */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`garage: timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
