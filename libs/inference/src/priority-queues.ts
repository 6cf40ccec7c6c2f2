/** A request's priority level (Triton's priority levels, named). `normal` is the default. */
export type Priority = 'high' | 'normal' | 'low';

/** The levels from highest to lowest; a level's index is its rank (0 = high). */
export const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];

/** Default of `priorityAgingMs`: how long a row waits before it ranks one level higher. */
export const DEFAULT_PRIORITY_AGING_MS = 1000;

/** A bound on the rows of a batch whose own level is below `level` (see `collect`). */
export interface LowerRowsCap {
  level: number;
  max: number;
}

/** What the queues need of a queued row. */
export interface QueuedEntry {
  readonly key: string;
  readonly submission: object;
  readonly enqueuedAt: number;
  /** Rank of the row's own priority (index in PRIORITIES). */
  readonly level: number;
  state: 'queued' | 'running' | 'settled';
}

/**
 * One FIFO queue per priority level, each with its own bound, and the order in which batches take
 * rows from them.
 *
 * The order (see `collect`): a row's effective level is its own level raised by one for every
 * `agingMs` it has waited (never above high). Batches take rows by effective level, highest first,
 * and within one effective level by arrival. So high rows overtake waiting normal and low rows,
 * while a lower row that keeps waiting rises: after `agingMs` × (its rank) it ranks as high, and
 * being older than any fresh high row it goes before them, so no level starves. A level whose rows
 * wait less than `agingMs` keeps strict priority.
 *
 * Entries leave a queue lazily: one that started running or settled stays in its array until the
 * front is compacted, and `leave` keeps the counts true.
 */
export class PriorityQueues<E extends QueuedEntry> {
  private levels: E[][] = PRIORITIES.map(() => []);
  private readonly counts: number[] = PRIORITIES.map(() => 0);
  private total = 0;

  /** `bounds[i]`: the most rows that may wait at level i. */
  constructor(
    private readonly bounds: readonly number[],
    private readonly agingMs: number,
  ) {
    if (bounds.length !== PRIORITIES.length)
      throw new RangeError(`one queue bound per priority level is needed, got ${bounds.length}`);
    if (!(agingMs > 0)) throw new RangeError(`priorityAgingMs must be > 0, got ${agingMs}`);
  }

  /** Rows waiting, all levels together. */
  get size(): number {
    return this.total;
  }

  /** Rows waiting at each level, by name. */
  depths(): Record<Priority, number> {
    return { high: this.counts[0], normal: this.counts[1], low: this.counts[2] };
  }

  /** Rows waiting at `level`, and its bound. */
  depth(level: number): { queued: number; limit: number } {
    return { queued: this.counts[level], limit: this.bounds[level] };
  }

  /** Whether `count` more rows fit under the bound of `level`. */
  fits(level: number, count: number): boolean {
    return this.counts[level] + count <= this.bounds[level];
  }

  push(entry: E): void {
    this.levels[entry.level].push(entry);
    this.counts[entry.level]++;
    this.total++;
  }

  /** The highest level (lowest rank) with rows waiting; the lowest level when none wait. */
  topWaitingLevel(): number {
    const level = this.counts.findIndex((count) => count > 0);
    return level < 0 ? PRIORITIES.length - 1 : level;
  }

  /** Counts `entry`, which was queued, as gone (running or settled); the caller changes its state. */
  leave(entry: E): void {
    this.counts[entry.level]--;
    this.total--;
  }

  /** Every queued entry, level by level. */
  *queued(): Generator<E> {
    for (const level of this.levels) for (const entry of level) if (entry.state === 'queued') yield entry;
  }

  /** The row the next batch starts from: the first in the order above, at time `now`. */
  head(now: number): E | undefined {
    let best: E | undefined;
    let bestRank = Infinity;
    this.levels.forEach((level, i) => {
      let front = 0;
      while (front < level.length && level[front].state !== 'queued') front++;
      if (front > 0) this.levels[i] = level.slice(front);
      const first = this.levels[i][0];
      if (!first) return;
      const rank = this.effective(first, now);
      if (rank < bestRank || (rank === bestRank && best !== undefined && first.enqueuedAt < best.enqueuedAt)) {
        best = first;
        bestRank = rank;
      }
    });
    return best;
  }

  /**
   * Up to `max` queued entries with shape key `key`, in the order above; only those of `only` when
   * submissions are not merged (a submission's entries are contiguous in one level's queue). With
   * `lower`, at most `lower.max` of them have an own level below `lower.level`; once that many are
   * in, such rows are passed over (they keep their place) and only higher ones are taken.
   */
  collect(now: number, key: string, max: number, only?: object, lower?: LowerRowsCap): E[] {
    const batch: E[] = [];
    let lowerLeft = lower ? lower.max : Infinity;
    const below = lower ? lower.level : Infinity;
    for (let rank = 0; rank < this.levels.length && batch.length < max; rank++) {
      // The candidates of each level at this rank, then merged by arrival.
      const candidates: E[] = [];
      for (let level = rank; level < this.levels.length; level++) {
        let taken = 0;
        for (const entry of this.levels[level]) {
          if (entry.state !== 'queued') continue;
          const effective = this.effective(entry, now);
          // A level's queue is in arrival order, so its rows that rank this high are a prefix of it.
          if (effective > rank) break;
          if (effective < rank || entry.key !== key || (only && entry.submission !== only)) continue;
          candidates.push(entry);
          if (++taken === max - batch.length) break;
        }
      }
      if (rank < this.levels.length - 1) candidates.sort((a, b) => a.enqueuedAt - b.enqueuedAt);
      for (const entry of candidates) {
        if (entry.level > below) {
          if (lowerLeft === 0) continue;
          lowerLeft--;
        }
        batch.push(entry);
        if (batch.length === max) break;
      }
    }
    return batch;
  }

  private effective(entry: E, now: number): number {
    return Math.max(0, entry.level - Math.floor((now - entry.enqueuedAt) / this.agingMs));
  }
}
