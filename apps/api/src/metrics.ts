import type { InferenceMetrics, ModelObserver } from '@mserve/inference';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PRIORITY_LEVELS, type Priority } from './request-priority.js';

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const LOOP_SAMPLE_MS = 10;
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Finer where single-row requests fall (0.5 to 30 ms), so a p99 can be read to a millisecond or two. */
const REQUEST_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * The Prometheus metrics of the server (names fixed by the design: dashboards rely on them), plus
 * Node's default process metrics. One instance per server, never a global registry.
 */
export class ApiMetrics implements InferenceMetrics {
  readonly registry = new Registry();
  private readonly rows = new Counter({
    name: 'inference_requests_total',
    help: 'Prediction rows settled, by outcome (ok or error code)',
    labelNames: ['model', 'version', 'outcome'],
    registers: [this.registry],
  });
  private readonly executions = new Counter({
    name: 'inference_executions_total',
    help: 'Model session runs (batches)',
    labelNames: ['model', 'version'],
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'inference_batch_size',
    help: 'Rows per model run',
    labelNames: ['model', 'version'],
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  private readonly queueSeconds = new Histogram({
    name: 'inference_queue_seconds',
    help: 'Time a row waited in the batcher before its run started',
    labelNames: ['model', 'version'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly computeSeconds = new Histogram({
    name: 'inference_compute_seconds',
    help: 'Duration of one model run, batch assembly and transfer included',
    labelNames: ['model', 'version'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: 'inference_worker_restarts_total',
    help: 'Session workers that died and were replaced (or tried to be)',
    labelNames: ['model', 'version'],
    registers: [this.registry],
  });
  /** Each model version's rows waiting, as its batcher last reported them; published at scrape time. */
  private readonly pendingRows = new Map<string, { labels: { model: string; version: string }; rows: number }>();
  // Set when scraped rather than at every submission: prom-client hashes the labels of each set()
  // (a sorted key list), a visible share of the single-row traffic's allocations.
  private readonly pending = new Gauge({
    name: 'inference_pending_rows',
    help: 'Rows waiting in the batcher',
    labelNames: ['model', 'version'],
    registers: [this.registry],
    collect: () => {
      for (const { labels, rows } of this.pendingRows.values()) this.pending.set(labels, rows);
    },
  });
  private readonly priorityRows = new Counter({
    name: 'inference_priority_rows_total',
    help: 'Prediction rows settled, by priority level (x-priority) and outcome',
    labelNames: ['model', 'version', 'priority', 'outcome'],
    registers: [this.registry],
  });
  private readonly priorityQueueSeconds = new Histogram({
    name: 'inference_priority_queue_seconds',
    help: 'Time a row waited in the batcher before its run started, by priority level',
    labelNames: ['model', 'version', 'priority'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  /** Each model version's rows waiting per priority level, as its batcher last reported them. */
  private readonly pendingByPriority = new Map<
    string,
    { labels: { model: string; version: string }; rows: Record<Priority, number> }
  >();
  private readonly priorityPending = new Gauge({
    name: 'inference_priority_pending_rows',
    help: 'Rows waiting in the batcher, by priority level',
    labelNames: ['model', 'version', 'priority'],
    registers: [this.registry],
    collect: () => {
      for (const { labels, rows } of this.pendingByPriority.values())
        for (const priority of PRIORITY_LEVELS) this.priorityPending.set({ ...labels, priority }, rows[priority]);
    },
  });
  readonly refused = new Counter({
    name: 'http_requests_refused_total',
    help: 'GraphQL requests refused before their body was read, by reason (overloaded, shutting_down)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations, by outcome (ok, or the first error code)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly operationSeconds = new Histogram({
    name: 'graphql_operation_seconds',
    help: 'GraphQL operation duration, from request to response',
    labelNames: ['outcome'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: '/graphql requests as the server saw them, by HTTP status: from their headers being read to the last byte of the response handed to the socket (body read, parse, refusals and serialization included)',
    labelNames: ['status'],
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly requestSecondsOf = childPerKey((status: number) => this.requestSeconds.labels(String(status)));
  private readonly operationOf = childPerKey((outcome: string) => ({
    count: this.operations.labels(outcome),
    seconds: this.operationSeconds.labels(outcome),
  }));

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Zero from the start, so a dashboard sees the series before the first refusal.
    for (const reason of ['overloaded', 'shutting_down']) this.refused.inc({ reason }, 0);
    // prom-client's nodejs_eventloop_lag_p99_seconds is the time between two ticks of a 10 ms timer,
    // so it never reads under 10 ms; this gauge subtracts the interval: how late the timer fired.
    const delay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    delay.enable();
    new Gauge({
      name: 'eventloop_delay_p99_seconds',
      help: `Event-loop delay p99 since the previous scrape: how late a ${LOOP_SAMPLE_MS} ms timer fired`,
      registers: [this.registry],
      collect() {
        this.set(delay.count > 0 ? Math.max(0, delay.percentile(99) / 1e9 - LOOP_SAMPLE_MS / 1000) : 0);
        delay.reset();
      },
    });
  }

  /** Records one GraphQL operation (graphql_operations_total and graphql_operation_seconds). */
  operationDone(outcome: string, seconds: number): void {
    const operation = this.operationOf(outcome);
    operation.count.inc();
    operation.seconds.observe(seconds);
  }

  /** Records one answered /graphql request (see http_request_duration_seconds). */
  requestAnswered(status: number, seconds: number): void {
    this.requestSecondsOf(status).observe(seconds);
  }

  forModel(name: string, version: number): ModelObserver {
    const labels = { model: name, version: String(version) };
    const rowsOf = childPerKey((outcome: string) => this.rows.labels({ ...labels, outcome }));
    const pending = { labels, rows: 0 };
    this.pendingRows.set(`${name}@${version}`, pending);
    const byPriority = { labels, rows: { high: 0, normal: 0, low: 0 } };
    this.pendingByPriority.set(`${name}@${version}`, byPriority);
    const priorityRowsOf = childPerKey((key: string) => {
      const [priority, outcome] = key.split(' ');
      return this.priorityRows.labels({ ...labels, priority, outcome });
    });
    const priorityQueueOf = childPerKey((priority: Priority) =>
      this.priorityQueueSeconds.labels({ ...labels, priority }),
    );
    const executions = this.executions.labels(labels);
    const batchSize = this.batchSize.labels(labels);
    const queue = this.queueSeconds.labels(labels);
    const compute = this.computeSeconds.labels(labels);
    const restarts = this.restarts.labels(labels);
    executions.inc(0);
    restarts.inc(0);
    return {
      rowsSettled: (outcome, count, priority) => {
        rowsOf(outcome).inc(count);
        priorityRowsOf(`${priority} ${outcome}`).inc(count);
      },
      batchRun: (size, waits, seconds, priorities) => {
        executions.inc();
        batchSize.observe(size);
        compute.observe(seconds);
        for (let i = 0; i < waits.length; i++) {
          queue.observe(waits[i]);
          priorityQueueOf(priorities[i]).observe(waits[i]);
        }
      },
      queueDepth: (count, perPriority) => {
        pending.rows = count;
        byPriority.rows = perPriority;
      },
      workerRestarted: () => restarts.inc(),
    };
  }
}

/**
 * The child of a labelled metric for each key, made on first use and kept: calling a metric with a
 * labels object makes prom-client hash the labels (a sorted key list) at every call, on the
 * request path.
 */
function childPerKey<K, T>(make: (key: K) => T): (key: K) => T {
  const children = new Map<K, T>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = make(key)));
    return child;
  };
}
