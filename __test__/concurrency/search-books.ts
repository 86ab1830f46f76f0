// What the search test knows while the writers run: the rows and archive calls their ledger files
// (children/search-rows.mjs) held at each snapshot, and from that, for a search that started after
// one snapshot and ended before a later one, which rows it must find and which it must not.
//
// Order between processes comes from the snapshots alone: a snapshot reads every ledger file in
// turn, in a fixed order, so a line first seen at snapshot i was written before that read and
// after the same file's read at snapshot i - 1.
import { closeSync, openSync, readSync } from 'node:fs';

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export type Row = { id: number; tag: string; name: string; group: number; ts: number; seenAt: number };
type Archive = { now: number; startSeenAt: number; endSeenAt: number | null; days: Set<string> | null };
/** What a search must do with a row: find it, not find it, or either (it cannot tell). */
export type Expect = 'found' | 'absent' | 'either';

/** The new complete lines of a growing file, read from where the last call stopped. */
class Tail {
  private offset = 0;
  private rest = '';
  constructor(private path: string) {}
  lines(): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return []; // not created yet
    }
    const buf = Buffer.alloc(1 << 20);
    let text = this.rest;
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        text += buf.toString('utf8', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }
}

export class Books {
  /** Every row seen, in the order first seen. */
  readonly list: Row[] = [];
  readonly byTag = new Map<string, Row>();
  readonly groups = new Map<string, Row[]>();
  /** `${writer}:${k}` -> the archive call. */
  private archives = new Map<string, Archive>();
  private tails: Array<{ writer: string; tail: Tail }>;
  snapshot = 0;

  /** `ledgers`: writer name -> its ledger file, read in this order at every snapshot. */
  constructor(
    ledgers: Array<[string, string]>,
    private retentionMs: number,
  ) {
    this.tails = ledgers.map(([writer, path]) => ({ writer, tail: new Tail(path) }));
  }

  /** Reads what the ledgers gained; returns the new snapshot's number. */
  refresh(): number {
    const at = ++this.snapshot;
    for (const { writer, tail } of this.tails) {
      for (const line of tail.lines()) {
        const [kind, a, b, c, d] = line.split(' ');
        if (kind === 'a') {
          const row = {
            id: Number(a),
            tag: b,
            name: b.slice(0, b.indexOf(':')),
            group: Number(c),
            ts: Number(d),
            seenAt: at,
          };
          this.list.push(row);
          this.byTag.set(row.tag, row);
          const g = `${row.name}:${row.group}`;
          this.groups.set(g, [...(this.groups.get(g) ?? []), row]);
        } else if (kind === 's') {
          this.archives.set(`${writer}:${a}`, { now: Number(b), startSeenAt: at, endSeenAt: null, days: null });
        } else if (kind === 'e') {
          const arch = this.archives.get(`${writer}:${a}`) as Archive;
          arch.endSeenAt = at;
          arch.days = new Set(b === '-' ? [] : b.split(','));
        } else throw new Error(`ledger: unknown line ${JSON.stringify(line)}`);
      }
    }
    return at;
  }

  /** The first day an archive with this `now` leaves in the database: every older row may go. */
  private cutoff(now: number): number {
    return Math.floor((now - this.retentionMs) / DAY) * DAY;
  }

  /**
   * What a search of the hot rows that started after snapshot `i` and ended before snapshot `j`
   * must do with `row`. Found: committed before the start (seen by snapshot i) and no archive
   * that may have moved it had begun by the end. Absent: an archive of its day that began after
   * it was committed had returned before the start.
   */
  expect(row: Row, i: number, j: number): Expect {
    if (row.seenAt > i) return 'either';
    let maybeMoved = false;
    for (const a of this.archives.values()) {
      if (a.endSeenAt !== null && a.endSeenAt <= i && row.seenAt < a.startSeenAt && a.days?.has(dayOf(row.ts)))
        return 'absent';
      // An archive that had returned two snapshots before the row was seen ran before its commit.
      const endedBefore = a.endSeenAt !== null && row.seenAt >= a.endSeenAt + 2;
      const covers = a.days === null ? row.ts < this.cutoff(a.now) : a.days.has(dayOf(row.ts));
      if (a.startSeenAt <= j && !endedBefore && covers) maybeMoved = true;
    }
    return maybeMoved ? 'either' : 'found';
  }

  /** The newest `n` rows and `n` others at random, of those seen by now. */
  sample(n: number, rand: () => number): Row[] {
    const all = this.list;
    if (all.length === 0) return [];
    const newest = all.slice(-n);
    const others = Array.from({ length: n }, () => all[Math.floor(rand() * all.length)] as Row);
    return [...newest, ...others];
  }
}
