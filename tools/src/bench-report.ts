/**
 * What one load-benchmark run measured, and the markdown tables of it. Pure functions of the
 * results, so they are tested without running anything. The targets are in bench-targets.ts, the
 * chart in bench-chart.ts, the percentile math in bench-stats.ts.
 */
import type { LatencySummary } from './bench-stats.js';

/** How one run loaded the system under test. */
export type LoadShape =
  | { kind: 'in-process'; batchSize: number; concurrency: number }
  | { kind: 'closed'; clients: number }
  | { kind: 'open'; rate: number };

/** Traffic shapes: single-row requests, and bulk requests with rows as lists (json) or base64 columns (compact). */
export type Traffic = 'single' | 'bulk-compact' | 'bulk-json';

/**
 * limit: the library alone; ceiling: the API with a model that costs next to nothing; naive: one
 * model run per request; coalesced: as shipped (fast path on); coalesced-stock: fast path off.
 */
export type Scenario = 'limit' | 'ceiling' | 'ceiling-typename' | 'naive' | 'coalesced' | 'coalesced-stock';

export interface RunResult {
  traffic: Traffic;
  scenario: Scenario;
  load: LoadShape;
  rowsPerRequest: number;
  /** Length of the measured window. */
  seconds: number;
  /** Requests answered in full, without errors, in the window. */
  requests: number;
  /** Requests that failed (HTTP status, GraphQL errors, network, timeout) or were never sent (open loop over its in-flight cap). */
  failed: number;
  requestsPerSecond: number;
  predictionsPerSecond: number;
  /** Milliseconds, send to last byte, of the requests sent in the window (failures at their failure time). */
  latency: LatencySummary;
  /** Model runs in the window and their mean rows (from the server's /metrics, or the library's observer). */
  executions: number;
  meanBatch: number;
  /** CPU time of the server process (all threads) per prediction, in microseconds. */
  cpuMicrosPerPrediction: number;
  /** Server event-loop delay p99 over the window (prom-client's monitorEventLoopDelay), ms. */
  eventLoopP99Ms?: number;
  /** Server resident memory at the end of the window, MiB. */
  rssMiB?: number;
  /** Load generator's own CPU, percent of one core, and how late its open-loop sends were (p99, ms). */
  generatorCpuPercent?: number;
  generatorLagP99Ms?: number;
  /** The load generator's own event-loop delay p99 over the window, ms: its pauses count as latency. */
  generatorLoopP99Ms?: number;
  generatorLoopMaxMs?: number;
  /**
   * The same requests as the server timed them (http_request_duration_seconds, answered ones, ms,
   * interpolated within its buckets): what the server spent, against what the client waited.
   */
  serverLatency?: { p50: number; p99: number };
}

export interface SoakResult {
  seconds: number;
  warmupSeconds: number;
  /** [seconds since start, RSS MiB] samples. */
  rss: Array<[number, number]>;
  rssAfterWarmupMiB: number;
  rssEndMiB: number;
  predictionsPerSecond: number;
  latency: LatencySummary;
  failed: number;
}

/** How each traffic shape is named in tables and charts. */
export const TRAFFIC_LABEL: Record<Traffic, string> = {
  single: 'single row (`mnist`)',
  'bulk-compact': 'bulk 256 rows, compact (`mnistBatchCompact`)',
  'bulk-json': 'bulk 256 rows, JSON lists (`mnistBatch`)',
};

const SCENARIO_LABEL: Record<Scenario, string> = {
  limit: 'limit (library, no HTTP)',
  ceiling: 'ceiling (API, near-zero-cost model)',
  'ceiling-typename': 'ceiling: `{ __typename }` only',
  naive: 'naive (one run per request)',
  coalesced: 'coalesced (as shipped)',
  'coalesced-stock': 'coalesced, fast path off (stock)',
};

/** A number for a table: grouped digits, `digits` decimals; a dash when it is missing or not finite. */
export const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function loadLabel(load: LoadShape): string {
  switch (load.kind) {
    case 'in-process':
      return `batches of ${load.batchSize}, ${load.concurrency} in flight`;
    case 'closed':
      return `${load.clients} clients`;
    case 'open':
      return `${fmt(load.rate)} req/s offered`;
  }
}

/** The peak table: every in-process and closed-loop run, grouped by traffic. */
export function renderTable(results: readonly RunResult[]): string {
  const lines = [
    '| traffic | scenario | load | predictions/s | requests/s | p50 ms | p95 ms | p99 ms | executions | mean batch | server CPU µs/prediction | event-loop p99 ms | failed |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results.filter((x) => x.load.kind !== 'open')) {
    lines.push(
      `| ${TRAFFIC_LABEL[r.traffic]} | ${SCENARIO_LABEL[r.scenario]} | ${loadLabel(r.load)} | ${fmt(r.predictionsPerSecond)} | ${fmt(r.requestsPerSecond)} | ${fmt(r.latency.p50, 2)} | ${fmt(r.latency.p95, 2)} | ${fmt(r.latency.p99, 2)} | ${fmt(r.executions)} | ${fmt(r.meanBatch, 1)} | ${fmt(r.cpuMicrosPerPrediction, 1)} | ${fmt(r.eventLoopP99Ms, 1)} | ${fmt(r.failed)} |`,
    );
  }
  return lines.join('\n');
}

/** The open-loop runs: offered rate against achieved throughput and latency. */
export function renderOpenLoopTable(results: readonly RunResult[]): string {
  const lines = [
    '| traffic | scenario | offered req/s | predictions/s | p50 ms | p99 ms | server p50 ms | server p99 ms | mean batch | failed |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    if (r.load.kind !== 'open') continue;
    lines.push(
      `| ${r.traffic} | ${r.scenario} | ${fmt(r.load.rate)} | ${fmt(r.predictionsPerSecond)} | ${fmt(r.latency.p50, 2)} | ${fmt(r.latency.p99, 2)} | ${fmt(r.serverLatency?.p50, 2)} | ${fmt(r.serverLatency?.p99, 2)} | ${fmt(r.meanBatch, 1)} | ${fmt(r.failed)} |`,
    );
  }
  return lines.join('\n');
}
