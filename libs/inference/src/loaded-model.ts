import { availableParallelism } from 'node:os';
import type { BatcherObserver, Clock, SubmitOptions, Timers } from './batcher-options.js';
import { DynamicBatcher } from './batcher.js';
import { ColumnCodec } from './column-codec.js';
import { allocate } from './dtypes.js';
import { badInput, type InferenceError } from './errors.js';
import type { ModelConfig } from './model-config.js';
import {
  noMetrics,
  poolLogEvents,
  silentLogger,
  type InferenceMetrics,
  type Logger,
  type ModelObserver,
} from './observability.js';
import { interpret, nonFiniteOutput, type Prediction } from './predictions.js';
import { intraOpThreads } from './thread-budget.js';
import { SessionPool } from './session-pool.js';
import { checkSignature } from './signature.js';
import { assembleBatch, splitBatch, type Row, type RowOutput } from './row-batches.js';
import { ContractCodec } from './tensor-codec.js';
import type { ModelSignature } from './worker-protocol.js';
import { rowsFromTensors, tensorsFromRows, type RawTensorInput, type RawTensorOutput } from './raw-tensors.js';

export interface LoadOptions {
  name: string;
  version: number;
  modelPath: string;
  config: ModelConfig;
  logger?: Logger;
  metrics?: InferenceMetrics;
  clock?: Clock;
  timers?: Timers;
}

/** The session pool of a model, for the testing entry point only (not exported by index.ts). */
export let poolOf: (model: LoadedModel) => SessionPool;
/** Calls `listener` after each change of a model's queue; returns the unsubscribe. Testing entry point only. */
export let watchQueue: (model: LoadedModel, listener: () => void) => () => void;

/**
 * One served model version: its worker sessions, its dynamic batcher and its contract codec.
 * `predict` is the contract-level entry (items in, predictions out); `infer` takes rows of raw tensors.
 */
export class LoadedModel {
  static {
    // The testing entry point reaches the pool through this, so no test hook sits on the class.
    poolOf = (model) => model.pool;
    watchQueue = (model, listener) => {
      model.queueWatchers.add(listener);
      return () => model.queueWatchers.delete(listener);
    };
  }

  private readonly batcher: DynamicBatcher<Row, RowOutput>;
  private readonly codec: ContractCodec;
  private readonly columnCodec: ColumnCodec | undefined;
  private readonly queueWatchers = new Set<() => void>();

  private constructor(
    readonly name: string,
    readonly version: number,
    readonly config: ModelConfig,
    private readonly pool: SessionPool,
    options: LoadOptions,
    observer: ModelObserver,
  ) {
    this.codec = new ContractCodec(config);
    this.columnCodec = ColumnCodec.supports(config) ? new ColumnCodec(config) : undefined;
    this.batcher = new DynamicBatcher<Row, RowOutput>({
      model: `${name}@${version}`,
      maxBatchSize: config.batching.maxBatchSize,
      maxQueueDelayMicros: config.batching.maxQueueDelayMicros,
      maxQueueSize: config.batching.maxQueueSize,
      priorityQueueSizes: config.batching.priorityQueueSizes,
      priorityAgingMs: config.batching.priorityAgingMs,
      lowPriorityMaxBatch: config.batching.lowPriorityMaxBatch,
      highPriorityInstances: config.batching.highPriorityInstances,
      timeoutMs: config.batching.timeoutMs,
      mergeSubmissions: config.batching.dynamic,
      instances: config.instances,
      execute: (rows) => this.execute(rows),
      shapeKey: (row) => row.key,
      clock: options.clock,
      timers: options.timers,
      observer: alsoOnQueueDepth(observer, () => {
        for (const listener of this.queueWatchers) listener();
      }),
    });
  }

  /**
   * Starts the model's workers, checks the contract against the session's signature and runs the
   * warm-up batches. Rejects with a reason naming the problem (load error or contract field).
   */
  static async load(options: LoadOptions): Promise<LoadedModel> {
    const { config, logger = silentLogger } = options;
    const threads = intraOpThreads(config, availableParallelism(), logger, `${options.name}@${options.version}`);
    // The metrics hooks exist once the model has loaded; a worker can only die after that.
    let observer: ModelObserver | undefined;
    const logEvents = poolLogEvents(logger, options.name, options.version);
    const pool = await SessionPool.start({
      modelPath: options.modelPath,
      instances: config.instances,
      intraOpNumThreads: threads,
      executionProviders: config.executionProviders,
      allowCpuFallback: config.allowCpuFallback,
      events: {
        ...logEvents,
        workerExited: (instance, code, hadBatch) => {
          logEvents.workerExited?.(instance, code, hadBatch);
          observer?.workerRestarted?.();
        },
      },
    });
    try {
      checkSignature(config, pool.signature);
      if (pool.fallbackReason) {
        logger.warn(
          { model: options.name, version: options.version, reason: pool.fallbackReason },
          'GPU execution provider failed; running on CPU',
        );
      }
      observer = (options.metrics ?? noMetrics).forModel(options.name, options.version);
      const model = new LoadedModel(options.name, options.version, config, pool, options, observer);
      await model.warmup();
      return model;
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Inputs and outputs as the ONNX session declares them. */
  get signature(): ModelSignature {
    return this.pool.signature;
  }

  /** The execution provider the sessions run on, and why a GPU one was not used if it was not. */
  get executionProvider(): { provider: string; fallbackReason?: string } {
    return {
      provider: this.pool.provider,
      ...(this.pool.fallbackReason ? { fallbackReason: this.pool.fallbackReason } : {}),
    };
  }

  get pendingRows(): number {
    return this.batcher.pendingRows;
  }

  /**
   * Session workers alive now, of `config.instances`; fewer while a dead one is being replaced.
   * `serving` is false only when every worker is gone and none could be started: rows then fail at
   * once (INTERNAL_SERVER_ERROR) rather than wait, and /readyz says so.
   */
  get workers(): { alive: number; serving: boolean } {
    return { alive: this.pool.liveWorkers, serving: this.pool.canRun };
  }

  /**
   * Validates contract-shaped items, runs the valid ones and interprets their outputs. One entry
   * per item, in order: a Prediction, or the InferenceError of that item alone. Never rejects.
   * `indices` numbers the items in error messages (default: their positions).
   */
  async predict(
    items: readonly unknown[],
    options: SubmitOptions & { indices?: readonly number[] } = {},
  ): Promise<Array<Prediction | InferenceError>> {
    return this.predictEncoded(this.encode(items, options.indices), options);
  }

  /**
   * Checks contract-shaped items and packs the valid ones: one Row, or the BAD_USER_INPUT error of
   * that item alone, per item. `indices` numbers the items in messages (default: their positions).
   */
  encode(items: readonly unknown[], indices?: readonly number[]): Array<Row | InferenceError> {
    return this.codec.encode(items, indices);
  }

  /**
   * The compact form (see ColumnCodec): rows from one base64 string per field. One Row, or the
   * BAD_USER_INPUT error of that row alone, per row; throws BAD_USER_INPUT when the columns as a
   * whole cannot be read, or when the model has non-numeric inputs (no compact form).
   */
  encodeColumns(columns: Readonly<Record<string, unknown>>): Array<Row | InferenceError> {
    if (!this.columnCodec) {
      throw badInput(
        0,
        '(columns)',
        `model ${this.name} has non-numeric inputs, so no compact form; send rows as lists`,
      );
    }
    return this.columnCodec.decode(columns);
  }

  /** Runs encoded rows and interprets their outputs; errors in `encoded` stay in place. Never rejects. */
  async predictEncoded(
    encoded: ReadonlyArray<Row | InferenceError>,
    options: SubmitOptions = {},
  ): Promise<Array<Prediction | InferenceError>> {
    const rows = encoded.filter((entry): entry is Row => !(entry instanceof Error));
    const outputs = await this.batcher.submit(rows, options);
    let next = 0;
    return encoded.map((entry) => {
      if (entry instanceof Error) return entry;
      const output = outputs[next++];
      return output instanceof Error
        ? output
        : (nonFiniteOutput(`${this.name}@${this.version}`, output) ?? interpret(this.config, output));
    });
  }

  /**
   * Runs rows of raw tensors through the batcher. One output or error per row. Never rejects. A
   * row's buffer may be moved to the worker thread (see assembleBatch): submit rows once.
   */
  async infer(rows: readonly Row[], options: SubmitOptions = {}): Promise<Array<RowOutput | InferenceError>> {
    const outputs = await this.batcher.submit(rows, options);
    return outputs.map((output) =>
      output instanceof Error ? output : (nonFiniteOutput(`${this.name}@${this.version}`, output) ?? output),
    );
  }

  /**
   * Runs raw tensors, batch axis first, checked against the session's signature (not the contract)
   * and cut into rows that batch with other requests. Resolves with the outputs as batch tensors;
   * rejects with the InferenceError of the first row that failed, or BAD_USER_INPUT naming the field.
   */
  async inferTensors(inputs: readonly RawTensorInput[], options: SubmitOptions = {}): Promise<RawTensorOutput[]> {
    const results = await this.infer(await rowsFromTensors(this.signature.inputs, inputs), options);
    const failed = results.find((r): r is InferenceError => r instanceof Error);
    if (failed) throw failed;
    return tensorsFromRows(results as RowOutput[]);
  }

  /** Refuses new rows, finishes queued and running ones, then disposes the sessions. */
  async close(): Promise<void> {
    await this.batcher.close();
    await this.pool.close();
  }

  /**
   * Stops as soon as it safely can: queued rows fail at once (SHUTTING_DOWN), running batches finish,
   * then the sessions are disposed. For a shutdown whose grace period ran out. (Terminating a worker
   * while onnxruntime runs in it aborts the whole process: the binding throws a C++ exception into a
   * terminating thread, so running batches are waited for, not cut.)
   */
  async closeNow(): Promise<void> {
    await this.batcher.abandon();
    await this.pool.close();
  }

  private async execute(rows: readonly Row[]): Promise<RowOutput[]> {
    const outputs = await this.pool.run(assembleBatch(rows));
    return splitBatch(outputs, rows.length);
  }

  /** Runs the configured warm-up batches (zero-filled rows) through the whole path. */
  private async warmup(): Promise<void> {
    const sizes = this.config.warmup.batchSizes;
    for (const size of sizes) {
      const rows = Array.from({ length: size }, () => this.zeroRow());
      const results = await this.infer(rows);
      const failed = results.find((result): result is InferenceError => result instanceof Error);
      if (failed)
        throw new Error(
          `warm-up batch of ${size} rows failed: ${failed.cause instanceof Error ? failed.cause.message : failed.message}`,
        );
    }
  }

  private zeroRow(): Row {
    const tensors: Row['tensors'] = Object.fromEntries(
      this.config.inputs.map((spec) => {
        const { shape: dims, dtype } = spec;
        return [spec.tensor, { dtype, dims, data: allocate(dtype, spec.size) }];
      }),
    );
    return { tensors, key: '' };
  }
}

/**
 * `observer`'s batcher hooks, with each queue-depth report also passed to `changed` (the testing
 * entry point's queue waits). Every hook is listed, so a new one fails typecheck until it is added.
 */
function alsoOnQueueDepth(observer: ModelObserver, changed: () => void): BatcherObserver {
  const hooks: { [K in keyof Required<BatcherObserver>]: BatcherObserver[K] } = {
    rowsSettled: observer.rowsSettled?.bind(observer),
    batchRun: observer.batchRun?.bind(observer),
    queueDepth: (rows, byPriority) => {
      observer.queueDepth?.(rows, byPriority);
      changed();
    },
  };
  return hooks;
}
