// Write throughput in rows per second: autocommit append (reference and ours), ours' appendMany
// with batches of 1000 rows (one transaction each) and ours' appendAsync with 64 appends in flight
// (group commit). Every measurement starts from its own fsynced copy of the template database
// (100k rows), opened just before it; measurements alternate in order round by round, so drift
// on a shared machine hits them alike. Figures are medians over the rounds.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { copyDb, DAY_MS, START_MS } from './data.mjs';
import { median } from './stats.mjs';

export const BATCH = 1000;
export const IN_FLIGHT = 64;
const SOURCE = 'bench-append';

const PAYLOAD = JSON.stringify({
  msg: 'heartbeat: all subsystems nominal, queue depth 3, last tick ok',
  level: 'info',
  seq: 123456,
  tags: ['a', 'b'],
});

const entry = (i) => ({
  source: SOURCE,
  type: 'heartbeat',
  refId: `run-${i % 100}`,
  payload: PAYLOAD,
  timestamp: START_MS + 21 * DAY_MS + i,
});

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => {};

function openCopy(env, impl, name) {
  const dir = join(env.tmp, `tput-${name}-${impl}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyDb(env.template, join(dir, 'logs.db'));
  const store = env.mods[impl].createLogStore(join(dir, 'logs.db'));
  return {
    store,
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rows this bench appended (its own `source`), to check that every call stored its row. */
function appended(store) {
  return store.query({ source: SOURCE }).length;
}

function appendLoop(store, budgetMs) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (n < 5 || t - t0 < budgetMs) {
    store.append(entry(n++));
    t = performance.now();
  }
  return { rows: n, ms: t - t0 };
}

function appendManyLoop(store, budgetMs) {
  let n = 0;
  let ms = 0;
  let batches = 0;
  while (batches < 2 || ms < budgetMs) {
    const batch = [];
    for (let i = 0; i < BATCH; i++) batch.push(entry(n + i)); // untimed: the caller's input
    const t0 = performance.now();
    const out = store.appendMany(batch);
    ms += performance.now() - t0;
    if (!Array.isArray(out) || out.length !== BATCH || typeof out[BATCH - 1].id !== 'number') {
      throw new Error('appendMany did not return the entries with ids');
    }
    n += BATCH;
    batches++;
  }
  return { rows: n, ms };
}

/** Keeps IN_FLIGHT appendAsync calls outstanding; issues a new one as each resolves, until the budget. */
function appendAsyncLoop(store, budgetMs) {
  return new Promise((resolve, reject) => {
    let issued = 0;
    let done = 0;
    let failed = false;
    const t0 = performance.now();
    const issue = () => {
      let p;
      try {
        p = store.appendAsync(entry(issued++));
      } catch (e) {
        failed = true;
        reject(e);
        return;
      }
      p.then(
        (out) => {
          if (failed) return;
          if (typeof out?.id !== 'number') {
            failed = true;
            reject(new Error('appendAsync did not resolve to the entry with its id'));
            return;
          }
          done++;
          const now = performance.now();
          if (now - t0 < budgetMs) issue();
          else if (done === issued) resolve({ rows: done, ms: now - t0 });
        },
        (e) => {
          failed = true;
          reject(e);
        },
      );
    };
    for (let i = 0; i < IN_FLIGHT; i++) issue();
  });
}

/** The one-call comparisons: same rows and ids as the reference's append, call for call. */
async function verify(env, avail) {
  const es = [entry(1), { ...entry(2), refId: null }, entry(3)];
  const ref = openCopy(env, 'reference', 'verify');
  const expected = JSON.stringify(es.map((e) => ref.store.append(e)));
  ref.close();
  const out = {};
  if (avail.appendMany) {
    const c = openCopy(env, 'ours', 'verify');
    try {
      out.appendMany = JSON.stringify(c.store.appendMany(es)) === expected ? 'same' : 'DIFFERENT';
    } catch (e) {
      out.appendMany = `threw: ${e.message}`;
    } finally {
      c.close();
    }
  }
  if (avail.appendAsync) {
    const c = openCopy(env, 'ours', 'verify');
    try {
      const got = [];
      for (const e of es) got.push(await c.store.appendAsync(e));
      out.appendAsync = JSON.stringify(got) === expected ? 'same' : 'DIFFERENT';
    } catch (e) {
      out.appendAsync = `threw: ${e.message}`;
    } finally {
      c.close();
    }
  }
  return out;
}

/**
 * @param env the bench environment (template, mods, tmp)
 * @param o options: rounds, budgetMs, asyncBudgetMs
 * @param floorSeries optional FloorSeries for sqlite/insert_1000_in_one_transaction (one chunk per round)
 */
export async function runThroughput(env, o, floorSeries, log) {
  const probe = openCopy(env, 'ours', 'probe');
  const avail = {
    appendMany: typeof probe.store.appendMany === 'function',
    appendAsync: typeof probe.store.appendAsync === 'function',
  };
  probe.close();
  const same = await verify(env, avail);

  const measures = [
    { key: 'reference_append', impl: 'reference', run: (s) => appendLoop(s, o.budgetMs) },
    { key: 'ours_append', impl: 'ours', run: (s) => appendLoop(s, o.budgetMs) },
    ...(avail.appendMany ? [{ key: 'ours_appendMany', impl: 'ours', run: (s) => appendManyLoop(s, o.budgetMs) }] : []),
    ...(avail.appendAsync
      ? [{ key: 'ours_appendAsync', impl: 'ours', run: (s) => appendAsyncLoop(s, o.asyncBudgetMs) }]
      : []),
  ];
  const rates = Object.fromEntries(measures.map((m) => [m.key, []]));
  const errors = {};
  for (let r = 0; r < o.rounds; r++) {
    floorSeries?.chunk();
    const order = r % 2 === 0 ? measures : [...measures].reverse();
    for (const m of order) {
      if (errors[m.key]) continue;
      const c = openCopy(env, m.impl, m.key);
      try {
        gc();
        const res = await m.run(c.store);
        const stored = appended(c.store);
        if (stored !== res.rows) throw new Error(`${res.rows} calls returned but ${stored} rows stored`);
        rates[m.key].push(res.rows / (res.ms / 1000));
      } catch (e) {
        errors[m.key] = e.message;
      } finally {
        c.close();
      }
    }
    log?.(
      `round ${r + 1}/${o.rounds}: ${measures.map((m) => `${m.key} ${Math.round(rates[m.key].at(-1) ?? NaN)}/s`).join(', ')}`,
    );
  }
  const med = (k) => (rates[k]?.length ? median(rates[k]) : NaN);
  const result = {
    batch: BATCH,
    in_flight: IN_FLIGHT,
    rounds: o.rounds,
    available: avail,
    same,
    errors,
    rows_per_s: Object.fromEntries(Object.keys(rates).map((k) => [k, med(k)])),
    round_rates: rates,
  };
  // Ratios between measurements of one round (run back to back), median over rounds: the
  // autocommit rate follows the machine's fsync latency, which drifts, and pairing cancels most of
  // it. The ratio of the medians is kept as well.
  const paired = (a, b) =>
    rates[a]?.length && rates[a].length === rates[b]?.length ? rates[a].map((x, i) => x / rates[b][i]) : [];
  const ratio = (a, b) => {
    const p = paired(a, b);
    return p.length ? median(p) : NaN;
  };
  result.round_ratios = {
    appendMany_vs_ours_append: paired('ours_appendMany', 'ours_append'),
    appendAsync_vs_ours_append: paired('ours_appendAsync', 'ours_append'),
    ours_append_vs_reference_append: paired('ours_append', 'reference_append'),
  };
  result.ratio_method = 'median over rounds of the ratio within each round';
  result.appendMany_vs_ours_append = ratio('ours_appendMany', 'ours_append');
  result.appendMany_vs_reference_append = ratio('ours_appendMany', 'reference_append');
  result.appendAsync_vs_ours_append = ratio('ours_appendAsync', 'ours_append');
  result.appendAsync_vs_reference_append = ratio('ours_appendAsync', 'reference_append');
  result.ours_append_vs_reference_append = ratio('ours_append', 'reference_append');
  result.ratio_of_medians = {
    appendMany_vs_ours_append: med('ours_appendMany') / med('ours_append'),
    appendAsync_vs_ours_append: med('ours_appendAsync') / med('ours_append'),
    ours_append_vs_reference_append: med('ours_append') / med('reference_append'),
  };
  if (floorSeries) {
    const f = floorSeries.result();
    result.floor = { ...f, rows_per_s: f.median_ms ? BATCH / (f.median_ms / 1000) : NaN };
  }
  return result;
}
