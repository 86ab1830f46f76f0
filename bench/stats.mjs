// Small shared helpers: statistics and formatting.

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values) {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export function summarize(samples, roundMedians) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median_ms: quantile(s, 0.5),
    p25_ms: quantile(s, 0.25),
    p75_ms: quantile(s, 0.75),
    min_ms: s[0],
    mean_ms: s.reduce((a, b) => a + b, 0) / s.length,
    samples: s.length,
    round_medians_ms: roundMedians,
  };
}

export function fmtTime(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtBytes(b) {
  if (!Number.isFinite(b)) return 'n/a';
  return `${(b / 1024 / 1024).toFixed(b < 10 * 1024 * 1024 && b > -10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

export function fmtRate(perS, unit = 'rows/s') {
  if (!Number.isFinite(perS)) return 'n/a';
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(2)}M ${unit}`;
  if (perS >= 1e4) return `${(perS / 1e3).toFixed(1)}k ${unit}`;
  if (perS >= 1e3) return `${(perS / 1e3).toFixed(2)}k ${unit}`;
  return `${perS.toFixed(0)} ${unit}`;
}

export function fmtX(x, digits = 2) {
  return Number.isFinite(x) ? `${x.toFixed(digits)}x` : 'n/a';
}

export function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

/** One row of the targets' verdict. */
export const target = (target, threshold, status, figure, note) => ({
  target,
  threshold,
  status,
  figure,
  ...(note ? { note } : {}),
});
