/**
 * One load run against a started API server, read as batching sees it: throughput and latency, the
 * batches that formed (mean rows, queue wait, run time), and how the server's CPU split between its
 * event loop (the main thread) and every other thread (session workers with their onnxruntime
 * threads, GC helpers, libuv). For the compute-heavy benchmark and the batching tuner.
 */
import { histogramQuantile, summarize, type LatencySummary } from './bench-stats.js';
import { histogramBuckets, sumMetric, threadCpuSeconds, type BenchServer } from './bench-server.js';
import type { LoadMode } from './load-generator.js';
import type { LoadProcess } from './load-process.js';

/** What one run measured. */
export interface ServingPoint {
  requestsPerSecond: number;
  predictionsPerSecond: number;
  latency: LatencySummary;
  failed: number;
  /** Rows per model run, and per-row queue wait / per-run duration (ms), over the window. */
  meanBatch: number;
  queueMs: number;
  computeMs: number;
  /** Of the window: share of one core used by the event loop, and by all other threads together. */
  loopCores: number;
  otherCores: number;
  /** Of the window: share the model's instances spent running batches (1 = always busy, per instance). */
  instanceBusy: number;
  /** With `waitPriority`: that level's rows' wait in the batcher's queue, p50 and p99 (ms, from buckets). */
  waitP50Ms: number;
  waitP99Ms: number;
  /** The server's event-loop delay p99 over the window (ms). */
  loopDelayP99Ms: number;
}

interface Reading {
  at: number;
  executions: number;
  rows: number;
  queueSum: number;
  queueCount: number;
  computeSum: number;
  loopCpuSeconds: number;
  otherCpuSeconds: number;
  waitBuckets: Array<[number, number]>;
  loopDelayP99: number;
}

async function read(server: BenchServer, model: string, priority = 'normal'): Promise<Reading> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const labels = { model };
  // Off Linux the split reads as zero.
  const cpu = threadCpuSeconds(server.process.pid) ?? { main: 0, other: 0 };
  return {
    at: performance.now(),
    executions: sumMetric(text, 'inference_executions_total', labels),
    rows: sumMetric(text, 'inference_batch_size_sum', labels),
    queueSum: sumMetric(text, 'inference_queue_seconds_sum', labels),
    queueCount: sumMetric(text, 'inference_queue_seconds_count', labels),
    computeSum: sumMetric(text, 'inference_compute_seconds_sum', labels),
    loopCpuSeconds: cpu.main,
    otherCpuSeconds: cpu.other,
    waitBuckets: histogramBuckets(text, 'inference_priority_queue_seconds', { model, priority }),
    loopDelayP99: sumMetric(text, 'eventloop_delay_p99_seconds'),
  };
}

export interface ServingRun {
  model: string;
  bodies: string[];
  rowsPerRequest: number;
  mode: LoadMode;
  warmupSeconds: number;
  seconds: number;
  /** The model's instances, to turn run time into a busy share per instance. */
  instances: number;
  /** Extra headers on every request (e.g. x-priority). */
  headers?: Record<string, string>;
  /** The priority level whose batcher wait to report (default normal). */
  waitPriority?: 'high' | 'normal' | 'low';
}

/** Runs `run` against `server` and reads the server's counters at the window's edges. */
export async function measureServing(load: LoadProcess, server: BenchServer, run: ServingRun): Promise<ServingPoint> {
  let before: Reading | undefined;
  let after: Reading | undefined;
  const outcome = await load.run(
    {
      url: `${server.url}/graphql`,
      bodies: run.bodies,
      mode: run.mode,
      warmupMs: run.warmupSeconds * 1000,
      durationMs: run.seconds * 1000,
      timeoutMs: 10_000,
      ...(run.headers ? { headers: run.headers } : {}),
    },
    async (phase) => {
      if (phase === 'start') before = await read(server, run.model, run.waitPriority);
      else after = await read(server, run.model, run.waitPriority);
    },
  );
  if (!before || !after) throw new Error('the load generator did not report its window');
  const window = outcome.windowMs / 1000;
  const wall = (after.at - before.at) / 1000;
  const executions = after.executions - before.executions;
  return {
    requestsPerSecond: outcome.ok / window,
    predictionsPerSecond: (outcome.ok * run.rowsPerRequest) / window,
    latency: summarize(outcome.latencies),
    failed: outcome.failed,
    meanBatch: executions > 0 ? (after.rows - before.rows) / executions : 0,
    queueMs:
      after.queueCount > before.queueCount
        ? ((after.queueSum - before.queueSum) / (after.queueCount - before.queueCount)) * 1000
        : 0,
    computeMs: executions > 0 ? ((after.computeSum - before.computeSum) / executions) * 1000 : 0,
    loopCores: (after.loopCpuSeconds - before.loopCpuSeconds) / wall,
    otherCores: (after.otherCpuSeconds - before.otherCpuSeconds) / wall,
    instanceBusy: (after.computeSum - before.computeSum) / wall / run.instances,
    waitP50Ms: histogramQuantile(before.waitBuckets, after.waitBuckets, 0.5) * 1000,
    waitP99Ms: histogramQuantile(before.waitBuckets, after.waitBuckets, 0.99) * 1000,
    // The gauge covers the time since the previous scrape: here, the window.
    loopDelayP99Ms: after.loopDelayP99 * 1000,
  };
}
