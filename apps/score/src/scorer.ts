import { InferenceError, type Prediction, type Row } from '@mserve/inference';
import type { OnError } from './cli-options.js';
import { BadRowError, interruptionOf, type RowRejection } from './exit-codes.js';
import {
  rejectionOf,
  type KeyColumn,
  type Layout,
  type PreparedRow,
  type PreparedSource,
  type RowId,
} from './row-preparer.js';

/** One scored row: the value of its key column and its prediction. */
export interface ScoredRow {
  key: RowId;
  prediction: Prediction;
}

/** A rejected row, with its id when the input has an id column. */
export interface RejectedRow extends RowRejection {
  id?: RowId;
}

/** Running totals; `read === scored + rejected` once the pipeline has finished. */
export interface ScoreCounts {
  read: number;
  scored: number;
  rejected: number;
}

/** The part of LoadedModel the pipeline uses (a fake in unit tests). */
export interface Predictor {
  predictEncoded(rows: readonly Row[]): Promise<Array<Prediction | InferenceError>>;
}

export interface PipelineOptions {
  model: Predictor;
  /** Predict calls in flight while the next chunks are read. */
  concurrency: number;
  onError: OnError;
  /** Called once, when the first readable row has fixed the layout (key column, ignored columns). */
  onLayout?(layout: Layout): void;
  /** Receives each chunk's scored rows, in input order; the pipeline waits for it (backpressure). */
  writeScored(rows: ScoredRow[], key: KeyColumn): Promise<void>;
  /** Receives each chunk's rejected rows under `skip`, in input order; awaited like writeScored. */
  writeRejected(rows: RejectedRow[]): Promise<void>;
  /** Updated as rows are read and written, for progress reports. */
  counts?: ScoreCounts;
  signal?: AbortSignal;
}

/** One chunk of rows on its way through the model. */
interface InFlight {
  rows: PreparedRow[];
  results: Promise<Array<Prediction | InferenceError>>;
}

/**
 * Scores the chunks of `source` (one predict call each), keeping up to `concurrency` calls in
 * flight, and hands the results on in input order. Why this keeps memory flat and the model busy:
 * a chunk is submitted as soon as it arrives, and the loop only waits (for the oldest chunk, then
 * for its writes) once `concurrency` chunks are in flight; while it waits it pulls no more chunks,
 * so reading is paused by the awaits themselves. The model's worker threads run the submitted
 * chunks meanwhile, so reading and parsing overlap inference.
 *
 * Rejects with BadRowError at the first bad row under `fail`, InterruptedError when `signal`
 * aborts, and an Error for a failure that is no row's fault (a model run that failed, a timeout).
 */
export async function scoreRows(source: PreparedSource, options: PipelineOptions): Promise<ScoreCounts> {
  const counts = options.counts ?? { read: 0, scored: 0, rejected: 0 };
  const inFlight: InFlight[] = [];
  let layout: Layout | undefined;
  const key = (): KeyColumn => layout?.key ?? 'line';

  for await (const chunk of source.chunks) {
    if (options.signal?.aborted) throw interruptionOf(options.signal);
    if (layout === undefined && (layout = chunk.layout) !== undefined) options.onLayout?.(layout);
    counts.read += chunk.rows.length;
    inFlight.push({ rows: chunk.rows, results: options.model.predictEncoded(chunk.encoded) });
    while (inFlight.length >= options.concurrency) await emit(inFlight.shift() as InFlight, key(), options, counts);
  }
  while (inFlight.length > 0) await emit(inFlight.shift() as InFlight, key(), options, counts);

  if (counts.scored + counts.rejected !== counts.read) {
    throw new Error(`row accounting failed: read ${counts.read}, scored ${counts.scored}, rejected ${counts.rejected}`);
  }
  return counts;
}

/** Waits for one chunk's predictions and writes its rows in order; see scoreRows for what throws. */
async function emit(chunk: InFlight, key: KeyColumn, options: PipelineOptions, counts: ScoreCounts): Promise<void> {
  const results = await chunk.results;
  const scored: ScoredRow[] = [];
  const rejected: RejectedRow[] = [];
  let next = 0;
  for (const row of chunk.rows) {
    const result = row.rejection === undefined ? results[next++] : undefined;
    if (result !== undefined && !(result instanceof InferenceError)) {
      scored.push({ key: key === 'id' ? row.id : row.line, prediction: result });
      continue;
    }
    const rejection: RowRejection = {
      line: row.line,
      ...(result === undefined ? (row.rejection as Omit<RowRejection, 'line'>) : rejectionOf(result, row.line)),
    };
    if (options.onError === 'fail') {
      // Rows before the bad one still go out, so a stdout consumer sees every row up to it.
      await write(scored, rejected, key, options, counts);
      throw new BadRowError(rejection);
    }
    rejected.push(key === 'id' ? { ...rejection, id: row.id } : rejection);
  }
  await write(scored, rejected, key, options, counts);
}

async function write(
  scored: ScoredRow[],
  rejected: RejectedRow[],
  key: KeyColumn,
  options: PipelineOptions,
  counts: ScoreCounts,
): Promise<void> {
  if (scored.length > 0) await options.writeScored(scored, key);
  if (rejected.length > 0) await options.writeRejected(rejected);
  counts.scored += scored.length;
  counts.rejected += rejected.length;
}
