/** Percentile math of the benchmarks: nearest-rank percentiles, Prometheus histogram quantiles, summaries. */

/** Count, mean and percentiles of a set of latencies (ms, unless said otherwise). */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The p-th percentile (0 < p ≤ 100) of ascending `sorted` values by the nearest-rank method: the
 * smallest value with at least p% of the values at or below it. NaN when there are none.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

/**
 * The q-quantile (0 < q < 1) of the observations that a window added to a Prometheus histogram,
 * from its cumulative [upper bound, count] buckets at the window's start and end, interpolated
 * linearly within the bucket it falls in (as PromQL's histogram_quantile does; the first bucket
 * starts at 0, and a quantile in the +Inf bucket reads as the highest finite bound). NaN when the
 * window added nothing.
 */
export function histogramQuantile(
  before: ReadonlyArray<readonly [number, number]>,
  after: ReadonlyArray<readonly [number, number]>,
  q: number,
): number {
  const start = new Map(before.map(([le, count]) => [le, count]));
  const added = after.map(([le, count]) => [le, count - (start.get(le) ?? 0)] as const);
  const total = added.length > 0 ? added[added.length - 1][1] : 0;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of added) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(count - below, Number.MIN_VALUE));
    }
    if (le !== Infinity) lower = le;
    below = count;
  }
  return lower;
}

/** Count, mean, p50/p95/p99 and max of `values` (any order; not modified). */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}

/**
 * Each build's figure over the first build's, round by round, then the median of those ratios:
 * `byBuild[b][r]` is build b's figure in round r. A host that slows down for a round slows every
 * build measured in it, so the ratio of one round holds less of the host's noise than the ratio of
 * each build's median does.
 */
export function pairedRatios(byBuild: ReadonlyArray<readonly number[]>): number[] {
  return byBuild.map((figures) => median(figures.map((figure, round) => figure / byBuild[0][round])));
}

/** The middle of `values` (the upper of the two middles of an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : Number.NaN;
}
