import type { InferenceError, LoadedModel, ModelRepository, Prediction, SubmitOptions } from '@mserve/inference';

/**
 * What resolvers need from the server, per request. The API implements `predict` with per-request
 * DataLoaders, so every prediction field of one operation (aliases, list items, batch rows) for the
 * same model version reaches the model's batcher as one submission.
 */
export interface SchemaContext {
  readonly repository: ModelRepository;
  /** The request's abort signal and deadline, for fields that submit rows themselves (`infer`). */
  readonly submitOptions?: SubmitOptions;
  /**
   * Predicts `items` of `model` (newest version when `version` is undefined). One entry per item:
   * a Prediction or the InferenceError of that item alone. Rejects only when the whole call is
   * refused (unknown model, model not ready, too many rows in the request). `indices` numbers the
   * items in error messages (default: their positions), for items that are one of many elsewhere
   * (an entity of an `_entities` call).
   */
  predict(
    model: string,
    version: number | undefined,
    items: readonly unknown[],
    indices?: readonly number[],
  ): Promise<Array<Prediction | InferenceError>>;
  /**
   * Predicts every row of `columns`, the compact form: one base64 string per field (see the
   * inference lib's ColumnCodec). One entry per row, as `predict`; rejects also when the columns as
   * a whole cannot be read (BAD_USER_INPUT naming the field and row).
   */
  /**
   * Counts `rows` rows of `model` against the request's row limit before they are built; throws
   * PAYLOAD_TOO_LARGE past it. For fields that submit rows themselves (`infer`).
   */
  admitRows?(model: LoadedModel, rows: number): void;
  predictColumns(
    model: string,
    version: number | undefined,
    columns: Readonly<Record<string, unknown>>,
  ): Promise<Array<Prediction | InferenceError>>;
}
