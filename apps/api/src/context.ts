import { inferenceError, type InferenceError, type LoadedModel, type ModelRepository, type Prediction } from '@mserve/inference';
import type { SchemaContext } from '@mserve/schema';
import DataLoader from 'dataloader';

/** One item for a model, with its index in its field (list position; 0 for a one-row field). */
interface LoaderKey {
  item: unknown;
  index: number;
}

export interface RequestContextOptions {
  repository: ModelRepository;
  requestId: string;
  /** Aborted when the client goes away: its rows still waiting are dropped before they run. */
  signal: AbortSignal;
  maxRowsPerRequest: number;
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
  private readonly loaders = new Map<LoadedModel, DataLoader<LoaderKey, Prediction>>();
  private rows = 0;

  constructor(private readonly options: RequestContextOptions) {
    this.repository = options.repository;
    this.requestId = options.requestId;
  }

  async predict(model: string, version: number | undefined, items: readonly unknown[]): Promise<Array<Prediction | InferenceError>> {
    const loaded = this.repository.get(model, version);
    this.rows += items.length;
    if (this.rows > this.options.maxRowsPerRequest) {
      throw inferenceError('PAYLOAD_TOO_LARGE', { what: `${this.rows} prediction rows in one request`, limit: this.options.maxRowsPerRequest }, { limit: this.options.maxRowsPerRequest });
    }
    const key = `${loaded.name}@${loaded.version}`;
    this.rowsByModel[key] = (this.rowsByModel[key] ?? 0) + items.length;
    return this.loaderFor(loaded).loadMany(items.map((item, index) => ({ item, index }))) as Promise<Array<Prediction | InferenceError>>;
  }

  private loaderFor(model: LoadedModel): DataLoader<LoaderKey, Prediction> {
    let loader = this.loaders.get(model);
    if (!loader) {
      loader = new DataLoader<LoaderKey, Prediction>(
        (keys) =>
          model.predict(
            keys.map((k) => k.item),
            { indices: keys.map((k) => k.index), signal: this.options.signal },
          ),
        { cache: false },
      );
      this.loaders.set(model, loader);
    }
    return loader;
  }
}
