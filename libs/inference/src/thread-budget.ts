import type { Logger } from './observability.js';

/** At most this many onnxruntime threads per core over a model's instances: past it they only contend. */
export const THREADS_PER_CORE = 2;

/**
 * The intra-op threads each session of a model gets: `threadsPerInstance` when given, else the
 * cores shared among its instances. `instances × threads` is clamped to THREADS_PER_CORE × cores
 * (at least one thread each), with a warning naming the asked and the given figures: thousands of
 * threads on a few cores start, report ready and then thrash.
 */
export function intraOpThreads(
  config: { instances: number; threadsPerInstance?: number },
  cores: number,
  logger: Logger,
  model: string,
): number {
  const { instances } = config;
  const wanted = config.threadsPerInstance ?? Math.max(1, Math.floor(cores / instances));
  const budget = THREADS_PER_CORE * cores;
  if (instances * wanted <= budget) return wanted;
  const threads = Math.max(1, Math.floor(budget / instances));
  logger.warn(
    { model, instances, threadsPerInstance: wanted, cores, threads, limit: budget },
    'instances × threadsPerInstance is past twice the cores; threads per instance clamped',
  );
  return threads;
}
