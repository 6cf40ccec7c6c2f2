import {
  checkedLimits,
  systemClock,
  systemTimers,
  type AbortSignalLike,
  type BatcherObserver,
  type BatcherOptions,
  type Clock,
  type RowOutcome,
  type RowResult,
  type SubmitOptions,
  type Timers,
} from './batcher-options.js';
import {
  checkOutputs,
  delayedUntil,
  failBatch,
  newSubmission,
  overloaded,
  settleEntry,
  settleOutputs,
  type Entry,
  type Submission,
} from './batcher-batch.js';
import { EarliestTimer } from './batcher-timer.js';
import { inferenceError, type InferenceError } from './errors.js';
import { DEFAULT_PRIORITY_AGING_MS, PRIORITIES, PriorityQueues, type Priority } from './priority-queues.js';

/**
 * A dynamic batcher for one model version, in the manner of Triton's: callers submit rows one at a
 * time or in groups, and the batcher runs them on the model's instances in batches.
 *
 * The scheduling rule (see `schedule`):
 * - A batch opens whenever an instance is idle and rows are waiting. It starts from the first row in
 *   priority order (PriorityQueues: highest effective level first, where waiting raises a row's
 *   level one step per `priorityAgingMs`; then arrival) and takes, in that order, every other
 *   waiting row with the same shape key, up to `maxBatchSize`. With one priority level in use this
 *   is arrival order. While rows of a higher level wait (the batch takes them first), the batch takes
 *   at most `lowPriorityMaxBatch` rows of lower levels, so the high rows' run stays short.
 * - It is dispatched at once, unless `maxQueueDelayMicros` > 0 and it is under-full: then it waits
 *   until it fills or its oldest row has waited that long, whichever comes first.
 * - While every instance is busy nothing is dispatched, so rows accumulate and batches grow with
 *   the load by themselves (work-conserving: an idle instance never waits for a fuller batch unless
 *   a queue delay is configured).
 * - Waiting rows are bounded per priority level (`maxQueueSize`, or the level's own bound in
 *   `priorityQueueSizes`): a submission that would pass its level's bound is refused at once.
 * - A row expires when its deadline passes while it waits (a timer fires at the earliest deadline;
 *   expiry does not wait for a free instance), and leaves the queue when its submission is aborted.
 *   A row that has started running is not expired: its result is delivered.
 * - With `mergeSubmissions: false` (no dynamic batching) a batch takes only the first row's
 *   submission's rows: one submission never shares a run with another, and never waits for one.
 * - When a batch's run ends, the next batch is dispatched before the ended one's rows settle: their
 *   callers' work (e.g. writing responses) then runs while the instance is busy, not idle.
 * - Output i of a batch settles row i of that batch, by offset, never by completion order. An Error at
 *   index i fails row i alone; a failed batch fails each of its rows. Every row settles exactly once.
 */
export class DynamicBatcher<Row, Out> {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly shapeKey: (row: Row) => string;
  private readonly queues: PriorityQueues<Entry<Row, Out>>;
  private running = 0;
  private closing = false;
  private idleWaiters: Array<() => void> = [];
  private readonly expiryTimer: EarliestTimer;
  private readonly delayTimer: EarliestTimer;
  private readonly lowPriorityMaxBatch: number;
  private readonly highPriorityInstances: number;
  /** Recent run time per row (moving average over batches), for the retry hint of OVERLOADED. */
  private secondsPerRow = 0;

  constructor(private readonly options: BatcherOptions<Row, Out>) {
    ({ lowPriorityMaxBatch: this.lowPriorityMaxBatch, highPriorityInstances: this.highPriorityInstances } =
      checkedLimits(options));
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.shapeKey = options.shapeKey ?? (() => '');
    this.expiryTimer = new EarliestTimer(this.clock, this.timers, () => this.expire());
    this.delayTimer = new EarliestTimer(this.clock, this.timers, () => this.schedule());
    const bounds = PRIORITIES.map((p) => options.priorityQueueSizes?.[p] ?? options.maxQueueSize);
    this.queues = new PriorityQueues(bounds, options.priorityAgingMs ?? DEFAULT_PRIORITY_AGING_MS);
  }

  /** Rows waiting to run. */
  get pendingRows(): number {
    return this.queues.size;
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
    const priority = options.priority ?? 'normal';
    const level = PRIORITIES.indexOf(priority);
    const refused = this.refusal(rows.length, level, options.signal);
    if (refused) {
      this.observe('rowsSettled', refused.code, rows.length, priority);
      return Promise.resolve(rows.map(() => refused));
    }
    if (rows.length === 0) return Promise.resolve([]);

    const now = this.clock.now();
    const timeoutMs = Math.min(this.options.timeoutMs, options.timeoutMs ?? Infinity);
    const deadline = now + timeoutMs;
    return new Promise((resolve) => {
      const queuing = { enqueuedAt: now, deadline, timeoutMs, level };
      const { submission, entries } = newSubmission(rows, priority, resolve, queuing, this.shapeKey);
      for (const entry of entries) this.queues.push(entry);
      if (options.signal) this.watchAbort(options.signal, submission, entries);
      this.reportDepth();
      this.expiryTimer.arm(deadline);
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
    this.drop(
      () => true,
      () => inferenceError('SHUTTING_DOWN', { model }),
    );
    return this.idle();
  }

  /** Resolves when no row is queued or running. */
  idle(): Promise<void> {
    if (this.queues.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Why a submission of `count` rows at `level` is refused whole right now, if it is. */
  private refusal(count: number, level: number, signal: AbortSignalLike | undefined): InferenceError | undefined {
    const model = this.options.model;
    if (this.closing) return inferenceError('SHUTTING_DOWN', { model });
    if (signal?.aborted) return inferenceError('CANCELLED', { model });
    if (this.queues.fits(level, count)) return undefined;
    const { queued, limit } = this.queues.depth(level);
    return overloaded(model, queued, limit, (this.queues.size * this.secondsPerRow) / this.options.instances);
  }

  /** Dispatches batches while an instance is idle and rows wait; see the rule above the class. */
  private schedule(): void {
    while (this.running < this.options.instances && this.queues.size > 0) {
      const now = this.clock.now();
      const first = this.queues.head(now) as Entry<Row, Out>;
      const merge = this.options.mergeSubmissions !== false;
      // The instances kept for high rows take only high rows, and only while some wait.
      const kept = this.running >= this.options.instances - this.highPriorityInstances;
      if (kept && this.queues.topWaitingLevel() !== 0) return;
      const lower = kept
        ? { level: 0, max: 0 }
        : { level: this.queues.topWaitingLevel(), max: this.lowPriorityMaxBatch };
      const only = merge ? undefined : first.submission;
      const batch = this.queues.collect(now, first.key, this.options.maxBatchSize, only, lower);
      if (batch.length === 0) return;
      // A batch at its cap of lower rows is full too: rows of its own levels could not join it.
      // Unmerged submissions cannot grow by waiting: no other submission's rows may join them.
      const full =
        !merge ||
        batch.length >= this.options.maxBatchSize ||
        batch.filter((entry) => entry.level > lower.level).length >= lower.max;
      const due = delayedUntil(batch, full, this.options.maxQueueDelayMicros / 1000, now);
      if (due !== undefined) return this.delayTimer.arm(due);
      this.dispatch(batch);
    }
  }

  private dispatch(batch: Array<Entry<Row, Out>>): void {
    const startedAt = this.clock.now();
    for (const entry of batch) {
      this.queues.leave(entry);
      entry.state = 'running';
    }
    this.running++;
    this.reportDepth();
    const queueSeconds = batch.map((entry) => (startedAt - entry.enqueuedAt) / 1000);

    let run: Promise<ReadonlyArray<Out | Error>>;
    try {
      run = this.options.execute(batch.map((entry) => entry.row));
    } catch (error) {
      run = Promise.reject(error);
    }
    let released = false;
    // Frees the instance and dispatches the next batch, once per batch.
    const release = () => {
      if (released) return;
      released = true;
      this.running--;
      this.schedule();
    };
    run
      .then((outputs) => {
        checkOutputs<Out>(this.options.model, outputs, batch.length);
        const computeSeconds = (this.clock.now() - startedAt) / 1000;
        release();
        const perRow = computeSeconds / batch.length;
        this.secondsPerRow = this.secondsPerRow === 0 ? perRow : 0.8 * this.secondsPerRow + 0.2 * perRow;
        const priorities = batch.map((entry) => entry.submission.priority);
        this.observe('batchRun', batch.length, queueSeconds, computeSeconds, priorities);
        settleOutputs(batch, outputs, this.settle, this.rowsSettled);
      })
      .catch((failure: unknown) => {
        release();
        failBatch(batch, failure, this.settle, this.rowsSettled);
      })
      .finally(() => {
        release();
        this.notifyIdle();
      });
  }

  private readonly rowsSettled = (outcome: RowOutcome, count: number, priority: Priority): void =>
    this.observe('rowsSettled', outcome, count, priority);

  private readonly settle = (entry: Entry<Row, Out>, result: RowResult<Out>): void => {
    if (entry.state === 'settled') return;
    if (entry.state === 'queued') this.queues.leave(entry);
    settleEntry(entry, result);
  };

  /** Settles every queued entry matching `expired` with `error`, counted per priority; returns how many. */
  private drop(
    expired: (entry: Entry<Row, Out>) => boolean,
    error: (entry: Entry<Row, Out>) => InferenceError,
  ): number {
    const dropped: Array<Entry<Row, Out>> = [];
    for (const entry of this.queues.queued()) if (expired(entry)) dropped.push(entry);
    for (const entry of dropped) {
      const result = error(entry);
      this.settle(entry, result);
      this.observe('rowsSettled', result.code, 1, entry.submission.priority);
    }
    if (dropped.length > 0) {
      this.reportDepth();
      this.schedule();
      this.notifyIdle();
    }
    return dropped.length;
  }

  private watchAbort(signal: AbortSignalLike, submission: Submission<Out>, entries: Array<Entry<Row, Out>>): void {
    const onAbort = () => {
      const mine = new Set(entries);
      const model = this.options.model;
      this.drop(
        (entry) => mine.has(entry),
        () => inferenceError('CANCELLED', { model }),
      );
    };
    signal.addEventListener('abort', onAbort, { once: true });
    submission.detach = () => signal.removeEventListener('abort', onAbort);
  }

  /** Fails the waiting rows whose deadline has passed, and re-arms for the earliest one left. */
  private expire(): void {
    const now = this.clock.now();
    const model = this.options.model;
    this.drop(
      (entry) => entry.deadline <= now,
      (entry) => inferenceError('TIMEOUT', { model, timeoutMs: entry.timeoutMs }),
    );
    let next = Infinity;
    for (const entry of this.queues.queued()) if (entry.deadline < next) next = entry.deadline;
    if (next !== Infinity) this.expiryTimer.arm(next);
  }

  private notifyIdle(): void {
    if (this.queues.size > 0 || this.running > 0) return;
    this.expiryTimer.clear();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private reportDepth(): void {
    this.options.observer?.queueDepth?.(this.queues.size, this.queues.depths());
  }

  private observe<K extends keyof BatcherObserver>(hook: K, ...args: Parameters<NonNullable<BatcherObserver[K]>>) {
    if (hook === 'rowsSettled' && args[1] === 0) return;
    (this.options.observer?.[hook] as ((...a: typeof args) => void) | undefined)?.(...args);
  }
}
