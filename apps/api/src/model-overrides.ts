import type { ModelConfig } from '@mserve/inference';
import type { ApiConfig } from './config.js';

/** Server-wide overrides (flags/env) on top of one model's contract. */
export function applyOverrides(config: ApiConfig, model: ModelConfig): ModelConfig {
  return {
    ...model,
    batching: {
      ...model.batching,
      ...(config.maxBatchSize !== undefined ? { maxBatchSize: config.maxBatchSize } : {}),
      ...(config.maxQueueDelayMicros !== undefined ? { maxQueueDelayMicros: config.maxQueueDelayMicros } : {}),
      ...(config.maxQueueSize !== undefined ? { maxQueueSize: config.maxQueueSize } : {}),
      ...(config.batching ? {} : { dynamic: false }),
    },
    ...(config.instances !== undefined ? { instances: config.instances } : {}),
    ...(config.threadsPerInstance !== undefined ? { threadsPerInstance: config.threadsPerInstance } : {}),
    ...(config.executionProviders !== undefined ? { executionProviders: config.executionProviders } : {}),
    ...(model.warmup && config.maxBatchSize !== undefined
      ? { warmup: { batchSizes: model.warmup.batchSizes.map((n) => Math.min(n, config.maxBatchSize as number)) } }
      : {}),
  };
}
