import {
  inferenceError,
  type AbortSignalLike,
  type InferenceError,
  type LoadedModel,
  type ModelRepository,
  type Prediction,
  type Row,
  type SubmitOptions,
} from '@mserve/inference';
import type { SchemaContext } from '@mserve/schema';
import DataLoader from 'dataloader';
import type { Priority } from './request-priority.js';
import { encodeInSlices } from './encode-slices.js';

export interface RequestContextOptions {
  repository: ModelRepository;
  requestId: string;
  /** Aborted when the client goes away: its rows still waiting are dropped before they run. */
  signal: AbortSignalLike;
  /** The request's deadline (`x-timeout-ms`); it can only shorten each model's own timeout. */
  timeoutMs?: number;
  /** The request's priority level (`x-priority`, see requestPriority); default normal. */
  priority?: Priority;
  maxRowsPerRequest: number;
}

/**
 * Aborts once, when the client has gone away: the signal of a request's submissions, at a fraction of
 * an AbortController's cost (see AbortSignalLike).
 */
export class ClientGone implements AbortSignalLike {
  aborted = false;
  private listeners: Array<() => void> = [];

  /** Each listener is called once at most (`once` or not): there is only one abort. */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

/**
 * The context of one GraphQL request. Its DataLoaders (one per model version, made on first use)
 * gather every prediction field of the operation that resolves in the same tick (aliases, list
 * items, batch rows) into one submission to that model's shared batcher, which merges it with other
 * requests' rows. Loaders are per request, so nothing is cached across users; the cache is off
 * because rows are values, not entities, and hashing 784 floats costs more than it saves.
 */
export class RequestContext implements SchemaContext {
  readonly repository: ModelRepository;
  readonly requestId: string;
  /** Rows asked of each model (`name@version`), for the operation's log line. */
  readonly rowsByModel: Record<string, number> = {};
  /** The client's abort signal, deadline and priority, for every submission of this request to a batcher. */
  readonly submitOptions: SubmitOptions;
  private readonly loaders = new Map<LoadedModel, DataLoader<Row, Prediction>>();
  private rows = 0;

  constructor(private readonly options: RequestContextOptions) {
    this.repository = options.repository;
    this.requestId = options.requestId;
    this.submitOptions = {
      signal: options.signal,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    };
  }

  async predict(
    model: string,
    version: number | undefined,
    items: readonly unknown[],
    indices?: readonly number[],
  ): Promise<Array<Prediction | InferenceError>> {
    const loaded = this.repository.get(model, version);
    this.admit(loaded, items.length);
    // Items are checked and packed per field, so an error names the item by its index in its field
    // (or by the number the caller gives it: an entity's index among the representations).
    return this.run(loaded, await encodeInSlices(loaded, items, indices));
  }

  /**
   * As `predict`, for protocols that answer a request as a whole (KServe v2, TF Serving): when any
   * item is invalid, nothing runs and the items' errors come back (undefined for the valid ones).
   */
  async predictWhole(
    model: string,
    version: number | undefined,
    items: readonly unknown[],
  ): Promise<{ predictions: Prediction[] } | { invalid: Array<InferenceError | undefined> }> {
    const loaded = this.repository.get(model, version);
    this.admit(loaded, items.length);
    const encoded = await encodeInSlices(loaded, items);
    if (encoded.some((entry) => entry instanceof Error))
      return { invalid: encoded.map((entry) => (entry instanceof Error ? entry : undefined)) };
    const results = await this.run(loaded, encoded);
    const failed = results.find((entry): entry is InferenceError => entry instanceof Error);
    if (failed) throw failed;
    return { predictions: results as Prediction[] };
  }

  async predictColumns(
    model: string,
    version: number | undefined,
    columns: Readonly<Record<string, unknown>>,
  ): Promise<Array<Prediction | InferenceError>> {
    const loaded = this.repository.get(model, version);
    const encoded = loaded.encodeColumns(columns);
    this.admit(loaded, encoded.length);
    return this.run(loaded, encoded);
  }

  admitRows(model: LoadedModel, rows: number): void {
    this.admit(model, rows);
  }

  /** Counts `rows` more rows of `model` for this request; throws PAYLOAD_TOO_LARGE past the limit. */
  private admit(model: LoadedModel, rows: number): void {
    this.rows += rows;
    if (this.rows > this.options.maxRowsPerRequest) {
      throw inferenceError(
        'PAYLOAD_TOO_LARGE',
        { what: `${this.rows} prediction rows in one request`, limit: this.options.maxRowsPerRequest },
        { limit: this.options.maxRowsPerRequest },
      );
    }
    const key = `${model.name}@${model.version}`;
    this.rowsByModel[key] = (this.rowsByModel[key] ?? 0) + rows;
  }

  /** Sends the valid rows through the request's loader for `model`; invalid ones keep their error in place. */
  private async run(
    model: LoadedModel,
    encoded: ReadonlyArray<Row | InferenceError>,
  ): Promise<Array<Prediction | InferenceError>> {
    const rows = encoded.filter((entry): entry is Row => !(entry instanceof Error));
    const outputs = rows.length > 0 ? await this.loaderFor(model).loadMany(rows) : [];
    let next = 0;
    return encoded.map((entry) => (entry instanceof Error ? entry : (outputs[next++] as Prediction | InferenceError)));
  }

  private loaderFor(model: LoadedModel): DataLoader<Row, Prediction> {
    let loader = this.loaders.get(model);
    if (!loader) {
      loader = new DataLoader<Row, Prediction>((rows) => model.predictEncoded(rows, this.submitOptions), {
        cache: false,
      });
      this.loaders.set(model, loader);
    }
    return loader;
  }
}
