import type { LoadedModel } from './loaded-model.js';
import { poolOf } from './loaded-model.js';

/**
 * Kills one session worker of `model` as a crash would: its batch fails and the pool replaces it.
 * For fault-injection tests only (published through `@mserve/inference/testing`).
 */
export function killWorker(model: LoadedModel, instance = 0): Promise<void> {
  return poolOf(model).killInstance(instance);
}
