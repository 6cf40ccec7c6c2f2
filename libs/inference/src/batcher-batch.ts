/** A batcher's queued rows and the settling of a batch's outputs (see batcher.ts). */
import type { BatcherObserver, RowResult } from './batcher-options.js';
import { asInferenceError, inferenceError, type InferenceError } from './errors.js';
import { PRIORITIES, type Priority } from './priority-queues.js';

/** The rows of one `submit` call and the promise they resolve together. */
export interface Submission<Out> {
  readonly results: Array<RowResult<Out>>;
  remaining: number;
  readonly resolve: (results: Array<RowResult<Out>>) => void;
  readonly priority: Priority;
  detach?: () => void;
}

/** One row in the batcher: waiting, running, or settled. */
export interface Entry<Row, Out> {
  readonly row: Row;
  readonly key: string;
  readonly submission: Submission<Out>;
  readonly index: number;
  readonly enqueuedAt: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly level: number;
  state: 'queued' | 'running' | 'settled';
}

/** Puts `result` in the entry's place and resolves its submission once every row of it is settled. */
export function settleEntry<Out>(entry: Entry<unknown, Out>, result: RowResult<Out>): void {
  entry.state = 'settled';
  const submission = entry.submission;
  submission.results[entry.index] = result;
  if (--submission.remaining === 0) {
    submission.detach?.();
    submission.resolve(submission.results);
  }
}

/** Throws unless `outputs` holds one result per row of a batch of `rows` rows. */
export function checkOutputs<Out>(
  model: string,
  outputs: unknown,
  rows: number,
): asserts outputs is Array<Out | Error> {
  if (!Array.isArray(outputs) || outputs.length !== rows) {
    const got = Array.isArray(outputs) ? outputs.length : typeof outputs;
    throw new Error(`model ${model} returned ${got} results for a batch of ${rows} rows`);
  }
}

/**
 * Settles row i of `batch` with output i (an Error fails that row alone), counting the outcomes per
 * priority level for `rowsSettled`.
 */
export function settleOutputs<Row, Out>(
  batch: ReadonlyArray<Entry<Row, Out>>,
  outputs: ReadonlyArray<Out | Error>,
  settle: (entry: Entry<Row, Out>, result: RowResult<Out>) => void,
  rowsSettled: NonNullable<BatcherObserver['rowsSettled']>,
): void {
  const ok = PRIORITIES.map(() => 0);
  batch.forEach((entry, i) => {
    const output = outputs[i];
    if (output instanceof Error) {
      const error = asInferenceError(output);
      rowsSettled(error.code, 1, entry.submission.priority);
      settle(entry, error);
    } else {
      ok[entry.level]++;
      settle(entry, output);
    }
  });
  PRIORITIES.forEach((priority, level) => rowsSettled('ok', ok[level], priority));
}

/** Fails every row of `batch` not yet settled with `failure`: the run failed or returned the wrong length. */
export function failBatch<Row, Out>(
  batch: ReadonlyArray<Entry<Row, Out>>,
  failure: unknown,
  settle: (entry: Entry<Row, Out>, result: RowResult<Out>) => void,
  rowsSettled: NonNullable<BatcherObserver['rowsSettled']>,
): void {
  const error = asInferenceError(failure);
  for (const entry of batch) {
    if (entry.state === 'settled') continue;
    rowsSettled(error.code, 1, entry.submission.priority);
    settle(entry, error);
  }
}

/**
 * When a batch may be dispatched, at `now`: at once (undefined) when it is `full` or no queue delay
 * applies, else once its oldest row has waited `delayMs` (the time returned, if still ahead).
 */
export function delayedUntil<Row, Out>(
  batch: ReadonlyArray<Entry<Row, Out>>,
  full: boolean,
  delayMs: number,
  now: number,
): number | undefined {
  if (full || !(delayMs > 0)) return undefined;
  let oldest = Infinity;
  for (const entry of batch) oldest = Math.min(oldest, entry.enqueuedAt);
  return now < oldest + delayMs ? oldest + delayMs : undefined;
}

/** When and how the rows of one submission wait: shared by all its entries. */
export interface Queuing {
  enqueuedAt: number;
  deadline: number;
  timeoutMs: number;
  level: number;
}

/** A new submission of `rows` rows that resolves with `resolve`, and its entries, queued (still) nowhere. */
export function newSubmission<Row, Out>(
  rows: readonly Row[],
  priority: Priority,
  resolve: (results: Array<RowResult<Out>>) => void,
  queuing: Queuing,
  keyOf: (row: Row) => string,
): { submission: Submission<Out>; entries: Array<Entry<Row, Out>> } {
  const submission: Submission<Out> = { results: new Array(rows.length), remaining: rows.length, resolve, priority };
  const entries = rows.map((row, index): Entry<Row, Out> => ({
    row,
    key: keyOf(row),
    submission,
    index,
    ...queuing,
    state: 'queued',
  }));
  return { submission, entries };
}

/**
 * OVERLOADED for a level holding `queued` of its `limit` rows, with a retry hint: about when the
 * rows queued now will have run (`drainSeconds`), in whole seconds (HTTP's Retry-After unit), 1 to 60.
 */
export function overloaded(model: string, queued: number, limit: number, drainSeconds: number): InferenceError {
  const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil(drainSeconds)));
  return inferenceError('OVERLOADED', { model, queued, limit }, { retryable: true, retryAfterSeconds });
}
