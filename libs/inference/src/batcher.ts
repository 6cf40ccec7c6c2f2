import { asInferenceError, inferenceError, type ErrorCode, type InferenceError } from './errors.js';

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
  /** `count` rows of one submission or batch were settled with `outcome`. */
  rowsSettled?(outcome: RowOutcome, count: number): void;
  /** A batch finished running: its size, each row's wait in the queue, and the run's duration. */
  batchRun?(rows: number, queueSeconds: readonly number[], computeSeconds: number): void;
  /** The number of rows waiting changed. */
  queueDepth?(rows: number): void;
}

export interface BatcherOptions<Row, Out> {
  /** Names the model in error messages, e.g. `mnist@1`. */
  model: string;
  /** Most rows in one `execute` call. */
  maxBatchSize: number;
  /** How long an under-full batch may wait for more rows while an instance is idle. */
  maxQueueDelayMicros: number;
  /** Most rows waiting; a submission that would pass it is refused whole with OVERLOADED. */
  maxQueueSize: number;
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

const systemClock: Clock = { now: () => performance.now() };
const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Submission<Out> {
  readonly results: Array<RowResult<Out>>;
  remaining: number;
  readonly resolve: (results: Array<RowResult<Out>>) => void;
  detach?: () => void;
}

interface Entry<Row, Out> {
  readonly row: Row;
  readonly key: string;
  readonly submission: Submission<Out>;
  readonly index: number;
  readonly enqueuedAt: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  state: 'queued' | 'running' | 'settled';
}

/**
 * A dynamic batcher for one model version, in the manner of Triton's: callers submit rows one at a
 * time or in groups, and the batcher runs them on the model's instances in batches.
 *
 * The scheduling rule (see `schedule`):
 * - A batch opens whenever an instance is idle and rows are waiting. It takes the oldest waiting row
 *   and, in arrival order, every other waiting row with the same shape key, up to `maxBatchSize`.
 * - It is dispatched at once, unless `maxQueueDelayMicros` > 0 and it is under-full: then it waits
 *   until it fills or its oldest row has waited that long, whichever comes first.
 * - While every instance is busy nothing is dispatched, so rows accumulate and batches grow with
 *   the load by themselves (work-conserving: an idle instance never waits for a fuller batch unless
 *   a queue delay is configured).
 * - Waiting rows are bounded by `maxQueueSize`: a submission that would pass it is refused at once.
 * - A row expires when its deadline passes while it waits (a timer fires at the earliest deadline;
 *   expiry does not wait for a free instance), and leaves the queue when its submission is aborted.
 *   A row that has started running is not expired: its result is delivered.
 * - With `mergeSubmissions: false` (no dynamic batching) a batch takes only the oldest row's
 *   submission's rows: one submission never shares a run with another, and never waits for one.
 * - Output i of a batch settles row i of that batch, by offset, never by completion order. An Error at
 *   index i fails row i alone; a failed batch fails each of its rows. Every row settles exactly once.
 */
export class DynamicBatcher<Row, Out> {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly shapeKey: (row: Row) => string;
  /** FIFO of entries; settled or running entries are skipped and compacted away lazily. */
  private queue: Array<Entry<Row, Out>> = [];
  private queued = 0;
  private running = 0;
  private closing = false;
  private idleWaiters: Array<() => void> = [];
  private expiryTimer: { handle: unknown; at: number } | undefined;
  private delayTimer: { handle: unknown; at: number } | undefined;
  /** Recent run time per row (moving average over batches), for the retry hint of OVERLOADED. */
  private secondsPerRow = 0;

  constructor(private readonly options: BatcherOptions<Row, Out>) {
    if (!(options.maxBatchSize >= 1)) throw new RangeError(`maxBatchSize must be ≥ 1, got ${options.maxBatchSize}`);
    if (!(options.instances >= 1)) throw new RangeError(`instances must be ≥ 1, got ${options.instances}`);
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.shapeKey = options.shapeKey ?? (() => '');
  }

  /** Rows waiting to run. */
  get pendingRows(): number {
    return this.queued;
  }

  /** Batches running now. */
  get runningBatches(): number {
    return this.running;
  }

  /**
   * Queues `rows` and resolves with one result per row, in the same order, once every row has
   * settled. Never rejects: a refused, expired, cancelled or failed row is an InferenceError in place.
   */
  submit(rows: readonly Row[], options: SubmitOptions = {}): Promise<Array<RowResult<Out>>> {
    const refused = this.refusal(rows.length, options.signal);
    if (refused) {
      this.observe('rowsSettled', refused.code, rows.length);
      return Promise.resolve(rows.map(() => refused));
    }
    if (rows.length === 0) return Promise.resolve([]);

    const now = this.clock.now();
    const timeoutMs = Math.min(this.options.timeoutMs, options.timeoutMs ?? Infinity);
    const deadline = now + timeoutMs;
    return new Promise((resolve) => {
      const submission: Submission<Out> = { results: new Array(rows.length), remaining: rows.length, resolve };
      const entries = rows.map((row, index): Entry<Row, Out> => {
        const entry: Entry<Row, Out> = { row, key: this.shapeKey(row), submission, index, enqueuedAt: now, deadline, timeoutMs, state: 'queued' };
        this.queue.push(entry);
        return entry;
      });
      this.queued += rows.length;
      if (options.signal) this.watchAbort(options.signal, submission, entries);
      this.observe('queueDepth', this.queued);
      this.armExpiry(deadline);
      this.schedule();
    });
  }

  /**
   * Stops accepting rows (new submissions get SHUTTING_DOWN), lets every queued and running row
   * finish, and resolves once the batcher is idle.
   */
  close(): Promise<void> {
    this.closing = true;
    this.schedule();
    return this.idle();
  }

  /**
   * Stops accepting rows and fails every queued row at once with SHUTTING_DOWN; running batches
   * finish. Resolves once the batcher is idle. For a shutdown whose grace period ran out.
   */
  abandon(): Promise<void> {
    this.closing = true;
    const model = this.options.model;
    const dropped = this.drop(() => true, () => inferenceError('SHUTTING_DOWN', { model }));
    this.observe('rowsSettled', 'SHUTTING_DOWN', dropped);
    return this.idle();
  }

  /** Resolves when no row is queued or running. */
  idle(): Promise<void> {
    if (this.queued === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Why a submission of `count` rows is refused whole right now, if it is. */
  private refusal(count: number, signal: AbortSignalLike | undefined): InferenceError | undefined {
    const model = this.options.model;
    if (this.closing) return inferenceError('SHUTTING_DOWN', { model });
    if (signal?.aborted) return inferenceError('CANCELLED', { model });
    if (this.queued + count > this.options.maxQueueSize) {
      // When to retry: about when the rows queued now will have run, in whole seconds (HTTP's
      // Retry-After unit), at least 1 and at most 60.
      const drainSeconds = (this.queued * this.secondsPerRow) / this.options.instances;
      const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil(drainSeconds)));
      return inferenceError('OVERLOADED', { model, queued: this.queued, limit: this.options.maxQueueSize }, { retryable: true, retryAfterSeconds });
    }
    return undefined;
  }

  /** Dispatches batches while an instance is idle and rows wait; see the rule above the class. */
  private schedule(): void {
    while (this.running < this.options.instances && this.queued > 0) {
      const oldest = this.firstQueued();
      const batch = this.collect(oldest.key, this.options.mergeSubmissions === false ? oldest.submission : undefined);
      const delayMs = this.options.maxQueueDelayMicros / 1000;
      // Unmerged submissions cannot grow by waiting: no other submission's rows may join them.
      if (batch.length < this.options.maxBatchSize && delayMs > 0 && this.options.mergeSubmissions !== false) {
        const due = oldest.enqueuedAt + delayMs;
        if (this.clock.now() < due) {
          this.armDelay(due);
          return;
        }
      }
      this.dispatch(batch);
    }
  }

  /** The oldest queued entry; compacts settled and running entries off the front. */
  private firstQueued(): Entry<Row, Out> {
    let head = 0;
    while (this.queue[head].state !== 'queued') head++;
    if (head > 0) this.queue = this.queue.slice(head);
    return this.queue[0];
  }

  /**
   * Up to maxBatchSize queued entries with shape key `key`, oldest first; only those of `only` when
   * submissions are not merged (a submission's entries are contiguous in the queue: it pushes them
   * at once, so the scan stops where they end).
   */
  private collect(key: string, only?: Submission<Out>): Array<Entry<Row, Out>> {
    const batch: Array<Entry<Row, Out>> = [];
    for (const entry of this.queue) {
      if (only && batch.length > 0 && entry.submission !== only) break;
      if (entry.state === 'queued' && entry.key === key && (!only || entry.submission === only)) {
        batch.push(entry);
        if (batch.length === this.options.maxBatchSize) break;
      }
    }
    return batch;
  }

  private dispatch(batch: Array<Entry<Row, Out>>): void {
    const startedAt = this.clock.now();
    for (const entry of batch) entry.state = 'running';
    this.queued -= batch.length;
    this.running++;
    this.observe('queueDepth', this.queued);
    const queueSeconds = batch.map((entry) => (startedAt - entry.enqueuedAt) / 1000);

    let run: Promise<ReadonlyArray<Out | Error>>;
    try {
      run = this.options.execute(batch.map((entry) => entry.row));
    } catch (error) {
      run = Promise.reject(error);
    }
    run
      .then(
        (outputs) => {
          if (!Array.isArray(outputs) || outputs.length !== batch.length) {
            const got = Array.isArray(outputs) ? outputs.length : typeof outputs;
            throw new Error(`model ${this.options.model} returned ${got} results for a batch of ${batch.length} rows`);
          }
          const computeSeconds = (this.clock.now() - startedAt) / 1000;
          const perRow = computeSeconds / batch.length;
          this.secondsPerRow = this.secondsPerRow === 0 ? perRow : 0.8 * this.secondsPerRow + 0.2 * perRow;
          this.observe('batchRun', batch.length, queueSeconds, computeSeconds);
          let ok = 0;
          batch.forEach((entry, i) => {
            const output = outputs[i];
            if (output instanceof Error) {
              const error = asInferenceError(output);
              this.observe('rowsSettled', error.code, 1);
              this.settle(entry, error);
            } else {
              ok++;
              this.settle(entry, output);
            }
          });
          this.observe('rowsSettled', 'ok', ok);
        },
      )
      .catch((failure: unknown) => {
        const error = asInferenceError(failure);
        const unsettled = batch.filter((entry) => entry.state !== 'settled');
        this.observe('rowsSettled', error.code, unsettled.length);
        for (const entry of unsettled) this.settle(entry, error);
      })
      .finally(() => {
        this.running--;
        this.schedule();
        this.notifyIdle();
      });
  }

  private settle(entry: Entry<Row, Out>, result: RowResult<Out>): void {
    if (entry.state === 'settled') return;
    if (entry.state === 'queued') this.queued--;
    entry.state = 'settled';
    const submission = entry.submission;
    submission.results[entry.index] = result;
    if (--submission.remaining === 0) {
      submission.detach?.();
      submission.resolve(submission.results);
    }
  }

  /** Settles every queued entry matching `expired` with `error`; returns how many. */
  private drop(expired: (entry: Entry<Row, Out>) => boolean, error: (entry: Entry<Row, Out>) => InferenceError): number {
    let dropped = 0;
    for (const entry of this.queue) {
      if (entry.state === 'queued' && expired(entry)) {
        this.settle(entry, error(entry));
        dropped++;
      }
    }
    if (dropped > 0) {
      this.observe('queueDepth', this.queued);
      this.schedule();
      this.notifyIdle();
    }
    return dropped;
  }

  private watchAbort(signal: AbortSignalLike, submission: Submission<Out>, entries: Array<Entry<Row, Out>>): void {
    const onAbort = () => {
      const mine = new Set(entries);
      const model = this.options.model;
      const dropped = this.drop((entry) => mine.has(entry), () => inferenceError('CANCELLED', { model }));
      this.observe('rowsSettled', 'CANCELLED', dropped);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    submission.detach = () => signal.removeEventListener('abort', onAbort);
  }

  /** Keeps one timer at the earliest deadline of the waiting rows. */
  private armExpiry(deadline: number): void {
    if (this.expiryTimer && this.expiryTimer.at <= deadline) return;
    if (this.expiryTimer) this.timers.clearTimeout(this.expiryTimer.handle);
    const handle = this.timers.setTimeout(() => this.expire(), Math.max(0, deadline - this.clock.now()));
    this.expiryTimer = { handle, at: deadline };
  }

  private expire(): void {
    this.expiryTimer = undefined;
    const now = this.clock.now();
    const model = this.options.model;
    const expired = this.drop(
      (entry) => entry.deadline <= now,
      (entry) => inferenceError('TIMEOUT', { model, timeoutMs: entry.timeoutMs }),
    );
    this.observe('rowsSettled', 'TIMEOUT', expired);
    let next = Infinity;
    for (const entry of this.queue) if (entry.state === 'queued' && entry.deadline < next) next = entry.deadline;
    if (next !== Infinity) this.armExpiry(next);
  }

  private armDelay(due: number): void {
    if (this.delayTimer && this.delayTimer.at <= due) return;
    if (this.delayTimer) this.timers.clearTimeout(this.delayTimer.handle);
    const handle = this.timers.setTimeout(() => {
      this.delayTimer = undefined;
      this.schedule();
    }, Math.max(0, due - this.clock.now()));
    this.delayTimer = { handle, at: due };
  }

  private notifyIdle(): void {
    if (this.queued > 0 || this.running > 0) return;
    if (this.expiryTimer) {
      this.timers.clearTimeout(this.expiryTimer.handle);
      this.expiryTimer = undefined;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private observe<K extends keyof BatcherObserver>(hook: K, ...args: Parameters<NonNullable<BatcherObserver[K]>>): void {
    if (hook === 'rowsSettled' && args[1] === 0) return;
    const fn = this.options.observer?.[hook] as ((...a: typeof args) => void) | undefined;
    fn?.(...args);
  }
}
