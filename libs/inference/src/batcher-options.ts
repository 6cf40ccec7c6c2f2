/** The options, hooks and injected clock of the dynamic batcher (see batcher.ts). */
import type { ErrorCode, InferenceError } from './errors.js';
import type { Priority } from './priority-queues.js';

/** Milliseconds, monotonic. Injected so tests can move time by hand. */
export interface Clock {
  now(): number;
}

/** The timer functions the batcher uses. Injected so tests fire timers by hand, without sleeping. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What happened to a row: it ran (`ok`), or the error code it was rejected with. */
export type RowOutcome = 'ok' | ErrorCode;

/** Hooks for metrics. Called synchronously; they must not throw. */
export interface BatcherObserver {
  /** `count` rows of one submission or batch, all of priority `priority`, were settled with `outcome`. */
  rowsSettled?(outcome: RowOutcome, count: number, priority: Priority): void;
  /**
   * A batch finished running: its size, each row's wait in the queue, the run's duration, and each
   * row's priority (index-aligned with `queueSeconds`).
   */
  batchRun?(
    rows: number,
    queueSeconds: readonly number[],
    computeSeconds: number,
    priorities: readonly Priority[],
  ): void;
  /** The number of rows waiting changed: in all, and at each priority level. */
  queueDepth?(rows: number, byPriority: Readonly<Record<Priority, number>>): void;
}

export interface BatcherOptions<Row, Out> {
  /** Names the model in error messages, e.g. `mnist@1`. */
  model: string;
  /** Most rows in one `execute` call. */
  maxBatchSize: number;
  /** How long an under-full batch may wait for more rows while an instance is idle. */
  maxQueueDelayMicros: number;
  /**
   * Most rows waiting at each priority level (unless `priorityQueueSizes` sets a level's own); a
   * submission that would pass its level's bound is refused whole with OVERLOADED.
   */
  maxQueueSize: number;
  /** A bound of its own for some priority levels' queues. */
  priorityQueueSizes?: Partial<Record<Priority, number>>;
  /** A waiting row ranks one priority level higher for every this many ms it has waited (default 1000). */
  priorityAgingMs?: number;
  /**
   * Most rows below the highest priority level waiting in a batch formed while that level's rows
   * wait (the batch takes them first), so the higher rows' run, which cannot be preempted, stays short; the other
   * lower rows run in the next batch. Default: an eighth of maxBatchSize, rounded up; maxBatchSize
   * turns the cap off.
   */
  lowPriorityMaxBatch?: number;
  /**
   * Instances kept for batches that hold high-priority rows (default 0): other batches run on the
   * rest, so a high row never waits for a running bulk batch while one of these is idle. Fewer than
   * `instances`.
   */
  highPriorityInstances?: number;
  /** Default deadline of a row, counted from its submission. */
  timeoutMs: number;
  /** Batches that may run at once: one per model instance. */
  instances: number;
  /**
   * Runs one batch. Resolves with one entry per row, in row order: the row's output, or an Error
   * that fails that row alone. Rejecting (or resolving with the wrong length) fails every row.
   */
  execute(rows: readonly Row[]): Promise<ReadonlyArray<Out | Error>>;
  /** Rows with different keys never share a batch (e.g. different per-row shapes). Default: one key. */
  shapeKey?(row: Row): string;
  /**
   * Whether rows of different submissions may share a batch (default true: dynamic batching).
   * False gives the per-request pattern: each submission runs as its own batch (or several, when
   * it has more than maxBatchSize rows), never merged with another's.
   */
  mergeSubmissions?: boolean;
  clock?: Clock;
  timers?: Timers;
  observer?: BatcherObserver;
}

export interface SubmitOptions {
  /** Shortens the row deadline for this submission; a longer value than the default is ignored. */
  timeoutMs?: number;
  /** Aborting drops the submission's rows that are still waiting (they settle with CANCELLED). */
  signal?: AbortSignalLike;
  /** Which queue the rows wait in (default `normal`); see PriorityQueues for the order. */
  priority?: Priority;
}

/**
 * What a submission uses of an abort signal. An AbortSignal has it; so can a lighter object: making
 * an AbortController and watching its signal measured about 7 µs, a few percent of a single-row
 * request's time on the event loop (the API makes one per request).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** One row result: the output, or the typed error that row failed with. */
export type RowResult<Out> = Out | InferenceError;

/** performance.now(): the batcher's clock unless a test injects one. */
/**
 * The batcher's sizes, checked (a RangeError names the first bad one), with the priority limits'
 * defaults filled in.
 */
export function checkedLimits(options: BatcherOptions<unknown, unknown>): {
  lowPriorityMaxBatch: number;
  highPriorityInstances: number;
} {
  const { maxBatchSize, instances } = options;
  if (!(maxBatchSize >= 1)) throw new RangeError(`maxBatchSize must be ≥ 1, got ${maxBatchSize}`);
  if (!(instances >= 1)) throw new RangeError(`instances must be ≥ 1, got ${instances}`);
  const lowPriorityMaxBatch = options.lowPriorityMaxBatch ?? Math.ceil(maxBatchSize / 8);
  if (!(lowPriorityMaxBatch >= 1))
    throw new RangeError(`lowPriorityMaxBatch must be ≥ 1, got ${options.lowPriorityMaxBatch}`);
  const highPriorityInstances = options.highPriorityInstances ?? 0;
  if (!(highPriorityInstances >= 0 && highPriorityInstances < instances))
    throw new RangeError(
      `highPriorityInstances must be ≥ 0 and fewer than instances (${instances}), got ${options.highPriorityInstances}`,
    );
  return { lowPriorityMaxBatch, highPriorityInstances };
}

export const systemClock: Clock = { now: () => performance.now() };
/** The global timers, unless a test injects its own. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
