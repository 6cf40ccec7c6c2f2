import type { BatcherObserver } from './batcher-options.js';
import type { PoolEvents } from './session-pool.js';

/**
 * How the library reports counts and timings. The app turns them into Prometheus metrics; the
 * library itself depends on no metrics package. Hooks never receive input values.
 */
export interface InferenceMetrics {
  /** The hooks for one model version; called once when that version loads. */
  forModel(name: string, version: number): ModelObserver;
}

/** The hooks for one model version: its batcher's, and its session workers'. */
export interface ModelObserver extends BatcherObserver {
  /** A session worker died (crash, kill, out of memory) and a replacement is being started. */
  workerRestarted?(): void;
}

/** The subset of a pino logger the library uses: structured fields first, then a message. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const ignore = (): void => undefined;
export const silentLogger: Logger = { info: ignore, warn: ignore, error: ignore };
export const noMetrics: InferenceMetrics = { forModel: () => ({}) };

/** Pool events as log lines, for one model version. */
export function poolLogEvents(logger: Logger, model: string, version: number): PoolEvents {
  return {
    workerExited: (instance, code, hadBatch) =>
      logger.error({ model, version, instance, code, hadBatch }, 'session worker exited; replacing it'),
    workerReplaced: (instance) => logger.info({ model, version, instance }, 'session worker replaced'),
    workerReplaceFailed: (instance, reason) =>
      logger.error({ model, version, instance, reason }, 'session worker could not be replaced'),
  };
}
