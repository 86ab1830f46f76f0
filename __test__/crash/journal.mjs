// What a data directory's children acknowledged, run after run: the checker's expectations.
// Journal lines (one write each, see child.mjs):
//   S <step>                    a step starts          E             it ended
//   a <key> <id> <op>           a row acknowledged     m <key0> <n> <ids>   appendMany's rows
//   U <key> <state>             an upsert is called    u <key> <id>  it returned
//   A <op> <day,day|->          an archive returned    b <key> <hash> <op>  a blob was stored

export class Expectations {
  constructor() {
    /** id -> { key, op, order }: every row a child was told is stored. */
    this.ackedRows = new Map();
    /** id -> key: every row ever seen in the store; it must stay, with the same key. */
    this.knownRows = new Map();
    /** runId -> { state, pending }: the state last acknowledged or seen, and later calls. */
    this.runs = new Map();
    /** hash -> { key, op }: acknowledged blobs. */
    this.ackedBlobs = new Map();
    /** Blob names seen on disk; they must stay. */
    this.knownBlobs = new Set();
    /** day -> journal order of the latest acknowledged archive's start that covered it. */
    this.archivedDays = new Map();
    /** Acknowledgements by kind, for the summary. */
    this.acks = {};
    this.order = 0;
  }

  count(kind, n = 1) {
    this.acks[kind] = (this.acks[kind] ?? 0) + n;
  }

  runState(runId) {
    let r = this.runs.get(runId);
    if (r === undefined) {
      r = { state: 'null', pending: [] };
      this.runs.set(runId, r);
    }
    return r;
  }

  /**
   * Takes in one run's journal; returns the step that was in flight when it was killed and the
   * blobs it acknowledged (to read back in full).
   */
  ingest(text) {
    // Only whole lines: a kill during the last write may leave part of one.
    const lines = text.split('\n').slice(0, -1);
    let inFlight = 'spawn';
    let stepStart = 0;
    const intents = new Map();
    const newBlobs = [];
    for (const line of lines) {
      const order = ++this.order;
      const [tag, a, b, c] = line.split(' ');
      switch (tag) {
        case 'S':
          inFlight = a;
          stepStart = order;
          break;
        case 'E':
          inFlight = 'between steps';
          break;
        case 'a':
          this.ackedRows.set(Number(b), { key: a, op: c, order });
          this.count(c);
          break;
        case 'm': {
          const ids = c.split(',').map(Number);
          if (ids.length !== Number(b))
            throw new Error(`journal: appendMany ${a} lists ${ids.length} ids for ${b} rows`);
          for (const [i, id] of ids.entries()) this.ackedRows.set(id, { key: `${a}.${i}`, op: 'appendMany', order });
          this.count('appendMany', ids.length);
          break;
        }
        case 'U': {
          const state = line.slice(line.indexOf(' ', 2) + 1);
          intents.set(a, state);
          this.runState(JSON.parse(state).runId).pending.push(state);
          break;
        }
        case 'u': {
          const state = intents.get(a);
          this.ackedRows.set(Number(b), { key: a, op: 'upsertWorkflowRun', order });
          const r = this.runState(JSON.parse(state).runId);
          r.state = state;
          r.pending = [];
          this.count('upsertWorkflowRun');
          break;
        }
        case 'A':
          if (b !== '-') for (const day of b.split(',')) this.archivedDays.set(day, stepStart);
          this.count(a);
          break;
        case 'b':
          this.ackedBlobs.set(b, { key: a, op: c });
          newBlobs.push(b);
          this.count(`blob ${c}`);
          break;
        default:
          throw new Error(`journal: unknown line ${JSON.stringify(line)}`);
      }
    }
    return { inFlight, newBlobs };
  }
}
