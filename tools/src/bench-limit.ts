/**
 * The `limit` scenario: the inference library alone, in this process, with no HTTP and no GraphQL:
 * pre-packed rows through `LoadedModel.infer` (batcher → worker thread → session → split), at each
 * batch size of a sweep, keeping `instances + 1` batches in flight so no session ever waits for the
 * main thread. The best batch size is the model's physical limit on this machine, with the
 * contract's instances and threads.
 */
import { ModelRepository, type InferenceMetrics, type ModelObserver, type Row } from '@mserve/inference';
import type { RunResult, Traffic } from './bench-report.js';
import { summarize } from './bench-stats.js';
import { benchItems } from './bench-workload.js';

export interface LimitOptions {
  modelsDir: string;
  model: string;
  sizes: number[];
  seconds: number;
}

/** One run per batch size, in the order given. */
export async function runLimit(options: LimitOptions, traffic: Traffic = 'bulk-compact'): Promise<RunResult[]> {
  const maxSize = Math.max(...options.sizes);
  const counts = { executions: 0, rows: 0 };
  const metrics: InferenceMetrics = {
    forModel: (): ModelObserver => ({
      batchRun: (size) => {
        counts.executions++;
        counts.rows += size;
      },
    }),
  };
  const repository = await ModelRepository.open({
    root: options.modelsDir,
    only: [options.model],
    metrics,
    overrides: (_name, config) => ({
      ...config,
      batching: {
        ...config.batching,
        maxBatchSize: maxSize,
        maxQueueSize: Math.max(config.batching.maxQueueSize, 4 * maxSize),
      },
      warmup: { batchSizes: [1, maxSize] },
    }),
  });
  await repository.ready();
  try {
    const model = repository.get(options.model);
    const packed = model.encode(benchItems(options.model, model.config, maxSize)) as Row[];
    const concurrency = model.config.instances + 1;
    const results: RunResult[] = [];
    for (const batchSize of options.sizes) {
      const once = async () => {
        // Rows are consumed by a run (their buffer moves to the worker): each run gets a copy.
        const out = await model.infer(copyRows(packed, batchSize));
        if (out.some((r) => r instanceof Error)) throw new Error('a limit-benchmark row failed');
      };
      await once();
      const latencies: number[] = [];
      const before = { ...counts, cpu: process.cpuUsage() };
      const start = performance.now();
      const end = start + options.seconds * 1000;
      const loop = async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await once();
          latencies.push(performance.now() - t);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, loop));
      const elapsed = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(before.cpu);
      const predictions = latencies.length * batchSize;
      const executions = counts.executions - before.executions;
      results.push({
        traffic,
        scenario: 'limit',
        load: { kind: 'in-process', batchSize, concurrency },
        rowsPerRequest: batchSize,
        seconds: elapsed,
        requests: latencies.length,
        failed: 0,
        requestsPerSecond: latencies.length / elapsed,
        predictionsPerSecond: predictions / elapsed,
        latency: summarize(latencies),
        executions,
        meanBatch: executions > 0 ? (counts.rows - before.rows) / executions : 0,
        cpuMicrosPerPrediction: (cpu.user + cpu.system) / predictions,
      });
    }
    return results;
  } finally {
    await repository.close();
  }
}

/** The first `count` rows, as views of one fresh copy of their buffers (one copy per tensor). */
function copyRows(rows: readonly Row[], count: number): Row[] {
  const copies = Object.entries(rows[0].tensors).map(([name, first]) => {
    const data = first.data as Float32Array;
    const whole = new (data.constructor as Float32ArrayConstructor)(
      data.buffer as ArrayBuffer,
      data.byteOffset,
      count * data.length,
    ).slice();
    return { name, first, whole, per: data.length };
  });
  return Array.from({ length: count }, (_, i) => ({
    key: rows[i].key,
    tensors: Object.fromEntries(
      copies.map(({ name, first, whole, per }) => [
        name,
        { dtype: first.dtype, dims: first.dims, data: whole.subarray(i * per, (i + 1) * per) },
      ]),
    ),
  }));
}
