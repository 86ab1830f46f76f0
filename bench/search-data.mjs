// The generated rows of the search benchmarks: ~250-byte JSON payloads of eight common words, one
// row in 100,000 with the rare word `zyzzogeton`, one in ten with a Chinese phrase, spread evenly
// over 30 UTC days from 2026-01-01 (ids rise with time). Seeded, so every run has the same rows.
export const DAY = 86_400_000;
export const START = Date.UTC(2026, 0, 1);
export const DAYS = 30;
export const RARE = 'zyzzogeton';
export const COMMON = 'timeout';

const WORDS = ['request', 'handled', 'worker', 'started', 'finished', 'queue', 'latency', 'retry', 'timeout', 'cache'];

/** Batches of at most 10,000 rows, `rows` in all; `onPayload(bytes)` sees each payload's size. */
export function* searchRows(rows, onPayload = () => {}) {
  let seed = 7;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  for (let i = 0; i < rows; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(rows, i + 10_000); j++) {
      const msg =
        Array.from({ length: 8 }, () => pick(WORDS)).join(' ') +
        (j % 100_000 === 5 ? ` ${RARE}` : '') +
        (j % 10 === 0 ? ' 数据库连接错误' : '');
      const payload = JSON.stringify({
        msg,
        runId: `run-${(j % 5000).toString(36)}-live`,
        level: pick(['info', 'warn', 'error']),
        meta: { host: `h${j % 17}`, path: `/var/log/app${j % 3}.log`, ms: j % 997 },
      });
      onPayload(Buffer.byteLength(payload));
      batch.push({
        source: pick(['daemon', 'workflow', 'agent']),
        type: pick(['event', 'tick', 'error']),
        refId: null,
        payload,
        timestamp: START + Math.floor((j * DAYS * DAY) / rows),
      });
    }
    yield batch;
  }
}
