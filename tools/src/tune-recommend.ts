/**
 * The batching tuner's judgement, apart from its measurements so it can be tested on a recorded
 * sweep: which serving setting to recommend, the table that shows why, and the config.json it
 * writes.
 */

/** One serving setting the tuner tries: the contract's `instances`, `threadsPerInstance` and `batching` knobs. */
export interface TuneSetting {
  instances: number;
  threadsPerInstance: number;
  maxBatchSize: number;
  maxQueueDelayMicros: number;
}

/** What one traffic shape measured under a setting. */
export interface TrafficResult {
  rowsPerSecond: number;
  p99Ms: number;
  failed: number;
}

/** One setting and its measurements; a traffic shape left out was not run (the budget ran out). */
export interface SweepPoint {
  setting: TuneSetting;
  single?: TrafficResult;
  bulk?: TrafficResult;
}

export interface Recommendation {
  point: SweepPoint;
  /** False when no setting kept the single-row p99 within budget: the point is then the lowest p99. */
  withinBudget: boolean;
  /** Its throughput against the best of the sweep, single-row and bulk (1 = the best). */
  score: number;
  reason: string;
}

/**
 * The setting with the best throughput among those whose single-row p99 is within `p99Ms` and that
 * failed no request. Throughput is single-row and bulk rows/s together: the geometric mean of each
 * as a share of the sweep's best (so neither traffic's scale drowns the other); a shape that was not
 * run counts as neither. Ties go to fewer threads in all, then the shorter queue delay, then the
 * smaller batch. With no point within budget, the lowest single-row p99 is recommended and says so.
 * Undefined only for a sweep with no single-row measurement.
 */
export function recommend(points: readonly SweepPoint[], p99Ms: number): Recommendation | undefined {
  const measured = points.filter((p) => p.single !== undefined);
  if (measured.length === 0) return undefined;
  const best = (shape: 'single' | 'bulk') => Math.max(0, ...measured.map((p) => p[shape]?.rowsPerSecond ?? 0));
  const bestSingle = best('single');
  const bestBulk = best('bulk');
  const score = (p: SweepPoint) => {
    const shares = [
      (p.single?.rowsPerSecond ?? 0) / bestSingle,
      ...(bestBulk > 0 ? [(p.bulk?.rowsPerSecond ?? 0) / bestBulk] : []),
    ];
    return Math.pow(
      shares.reduce((a, b) => a * b, 1),
      1 / shares.length,
    );
  };
  const threads = (p: SweepPoint) => p.setting.instances * p.setting.threadsPerInstance;
  const order = (a: SweepPoint, b: SweepPoint) =>
    score(b) - score(a) ||
    threads(a) - threads(b) ||
    a.setting.maxQueueDelayMicros - b.setting.maxQueueDelayMicros ||
    a.setting.maxBatchSize - b.setting.maxBatchSize;
  const clean = (p: SweepPoint) => (p.single?.failed ?? 0) === 0 && (p.bulk?.failed ?? 0) === 0;
  const eligible = measured.filter((p) => clean(p) && (p.single as TrafficResult).p99Ms <= p99Ms).sort(order);
  if (eligible.length > 0) {
    const point = eligible[0];
    return {
      point,
      withinBudget: true,
      score: score(point),
      reason: `best throughput of ${eligible.length} setting(s) with single-row p99 ≤ ${p99Ms} ms`,
    };
  }
  const point = [...measured].sort(
    (a, b) => (a.single as TrafficResult).p99Ms - (b.single as TrafficResult).p99Ms || order(a, b),
  )[0];
  return {
    point,
    withinBudget: false,
    score: score(point),
    reason: `no setting kept single-row p99 ≤ ${p99Ms} ms without failures; lowest p99 instead`,
  };
}

/** `instances × threads, maxBatchSize, delay µs`, for tables and progress lines. */
export function describeSetting(s: TuneSetting): string {
  return `${s.instances}×${s.threadsPerInstance} threads, batch ≤ ${s.maxBatchSize}, delay ${s.maxQueueDelayMicros} µs`;
}

/** The sweep as a markdown table, the recommended row marked. */
export function renderSweep(points: readonly SweepPoint[], recommended?: SweepPoint): string {
  const f = (n: number | undefined, d = 0) =>
    n === undefined ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const lines = [
    '| instances × threads | maxBatchSize | delay µs | single rows/s | single p99 ms | bulk rows/s | bulk p99 ms | failed | |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const p of points) {
    const s = p.setting;
    const failed = (p.single?.failed ?? 0) + (p.bulk?.failed ?? 0);
    lines.push(
      `| ${s.instances} × ${s.threadsPerInstance} | ${s.maxBatchSize} | ${s.maxQueueDelayMicros} | ${f(p.single?.rowsPerSecond)} | ${f(p.single?.p99Ms, 1)} | ${f(p.bulk?.rowsPerSecond)} | ${f(p.bulk?.p99Ms, 1)} | ${failed} | ${p === recommended ? '**recommended**' : ''} |`,
    );
  }
  return lines.join('\n');
}

/**
 * `config` (a parsed config.json) with `setting` written into it: `instances`, `threadsPerInstance`,
 * `batching.maxBatchSize` and `batching.maxQueueDelayMicros`; every other key kept as it was. Warm-up
 * batch sizes above the new maxBatchSize are lowered to it, since the contract refuses them.
 */
export function applySetting(config: Record<string, unknown>, setting: TuneSetting): Record<string, unknown> {
  const batching = {
    ...(config.batching as Record<string, unknown>),
    maxBatchSize: setting.maxBatchSize,
    maxQueueDelayMicros: setting.maxQueueDelayMicros,
  };
  const next: Record<string, unknown> = {
    ...config,
    batching,
    instances: setting.instances,
    threadsPerInstance: setting.threadsPerInstance,
  };
  const warmup = config.warmup as { batchSizes?: number[] } | undefined;
  if (warmup?.batchSizes)
    next.warmup = {
      ...warmup,
      batchSizes: [...new Set(warmup.batchSizes.map((n) => Math.min(n, setting.maxBatchSize)))],
    };
  return next;
}
