// Peak memory of the current process, from Linux's /proc/self/status, and the main thread's
// scheduler counters.
import { readFileSync, writeFileSync } from 'node:fs';

/** A `kB` field of /proc/self/status (VmRSS, VmHWM, ...) in bytes; NaN when absent. */
export function statusBytes(field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Resets VmHWM to the current RSS ('5' to clear_refs, Linux >= 4.0); false when refused. */
export function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** The main thread's [ms on a CPU, ms runnable waiting for one], or null where /proc has no schedstat. */
export function schedstat() {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(run) / 1e6, Number(wait) / 1e6];
  } catch {
    return null;
  }
}
