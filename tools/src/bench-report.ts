/**
 * The numbers of the load benchmark and how they are shown: percentile math, the markdown table,
 * the targets of the performance issue, and the throughput-vs-p99 chart (hand-written SVG). Pure
 * functions of the results, so they are tested without running anything.
 */

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

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

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

const TRAFFIC_LABEL: Record<Traffic, string> = {
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

const fmt = (n: number | undefined, digits = 0) =>
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

export interface Target {
  name: string;
  goal: string;
  value: string;
  met: boolean | undefined;
}

const find = (
  results: readonly RunResult[],
  traffic: Traffic,
  scenario: Scenario,
  kind: LoadShape['kind'] = 'closed',
) => results.find((r) => r.traffic === traffic && r.scenario === scenario && r.load.kind === kind);

/**
 * The targets of the performance issues, judged from one run's results (undefined: not measured in
 * this run). The fast-path targets compare the coalesced server with it on and off (stock).
 */
export function evaluateTargets(results: readonly RunResult[], soak?: SoakResult): Target[] {
  const targets: Target[] = [];
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  const judge = (
    name: string,
    goal: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    show: (v: number) => string,
  ) =>
    targets.push({
      name,
      goal,
      value: value === undefined ? 'not measured' : show(value),
      met: value === undefined ? undefined : ok(value),
    });

  const single = {
    ceiling: find(results, 'single', 'ceiling'),
    naive: find(results, 'single', 'naive'),
    coalesced: find(results, 'single', 'coalesced'),
  };
  judge(
    'single-row throughput',
    'coalesced ≥ 85% of ceiling',
    ratio(single.coalesced?.predictionsPerSecond, single.ceiling?.predictionsPerSecond),
    (v) => v >= 0.85,
    (v) => `${fmt(v * 100, 1)}%`,
  );
  judge(
    'single-row CPU per prediction',
    'coalesced ≤ 0.5 × naive',
    ratio(single.coalesced?.cpuMicrosPerPrediction, single.naive?.cpuMicrosPerPrediction),
    (v) => v <= 0.5,
    (v) => `${fmt(v, 2)} ×`,
  );
  const limit = find(results, 'bulk-compact', 'limit', 'in-process') ?? find(results, 'single', 'limit', 'in-process');
  judge(
    'bulk compact throughput',
    'coalesced ≥ 70% of limit',
    ratio(find(results, 'bulk-compact', 'coalesced')?.predictionsPerSecond, limit?.predictionsPerSecond),
    (v) => v >= 0.7,
    (v) => `${fmt(v * 100, 1)}%`,
  );
  const stockCpu = (traffic: Traffic) => find(results, traffic, 'coalesced-stock')?.cpuMicrosPerPrediction;
  const cpuOf = (traffic: Traffic) => find(results, traffic, 'coalesced')?.cpuMicrosPerPrediction;
  judge(
    'bulk JSON lists vs the stock path',
    '≥ 3× the throughput with the fast path off',
    ratio(
      find(results, 'bulk-json', 'coalesced')?.predictionsPerSecond,
      find(results, 'bulk-json', 'coalesced-stock')?.predictionsPerSecond,
    ),
    (v) => v >= 3,
    (v) => `${fmt(v, 2)} × (server CPU a row ${fmt(stockCpu('bulk-json'), 1)} → ${fmt(cpuOf('bulk-json'), 1)} µs)`,
  );
  const half = halfPeak(results);
  judge(
    'single-row tail at half the peak',
    'p99 ≤ 3 × p50 (open loop at 50% of peak)',
    half ? half.latency.p99 / half.latency.p50 : undefined,
    (v) => v <= 3,
    (v) =>
      `${fmt(v, 2)} × (p50 ${fmt(half?.latency.p50, 2)} ms, p99 ${fmt(half?.latency.p99, 2)} ms)${half ? tailContext(results, half) : ''}`,
  );
  judge(
    'event-loop delay at peak',
    'p99 ≤ 10 ms (single-row peak)',
    single.coalesced?.eventLoopP99Ms,
    (v) => v <= 10,
    (v) => `${fmt(v, 2)} ms`,
  );
  judge(
    'soak at peak',
    'RSS at the end ≤ 1.1 × after warm-up',
    soak ? soak.rssEndMiB / soak.rssAfterWarmupMiB : undefined,
    (v) => v <= 1.1,
    (v) =>
      `${fmt(v, 3)} × (${fmt(soak?.rssAfterWarmupMiB, 1)} → ${fmt(soak?.rssEndMiB, 1)} MiB over ${fmt(soak?.seconds)} s)`,
  );
  return targets;
}

/**
 * Where the half-peak tail comes from: the same requests as the server timed them, and the
 * cheapest request there is (`{ __typename }`) sent at the same rate, whose tail is the floor that
 * the load generator, the kernel and the machine put under every latency measured here.
 */
function tailContext(results: readonly RunResult[], half: RunResult): string {
  const parts: string[] = [];
  const server = half.serverLatency;
  if (server)
    parts.push(
      `server-side ${fmt(server.p99 / server.p50, 2)} × (p50 ${fmt(server.p50, 2)} ms, p99 ${fmt(server.p99, 2)} ms)`,
    );
  const floor = results.find(
    (r) => r.traffic === 'single' && r.scenario === 'ceiling-typename' && r.load.kind === 'open',
  );
  if (floor)
    parts.push(
      `\`{ __typename }\` at the same rate ${fmt(floor.latency.p99 / floor.latency.p50, 2)} × (p50 ${fmt(floor.latency.p50, 2)} ms, p99 ${fmt(floor.latency.p99, 2)} ms)`,
    );
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/** The coalesced single-row open-loop run closest to half of its closed-loop peak. */
export function halfPeak(results: readonly RunResult[]): RunResult | undefined {
  const peak = find(results, 'single', 'coalesced');
  if (!peak) return undefined;
  const open = results.filter((r) => r.traffic === 'single' && r.scenario === 'coalesced' && r.load.kind === 'open');
  const target = peak.requestsPerSecond / 2;
  let best: RunResult | undefined;
  for (const r of open)
    if (
      !best ||
      Math.abs((r.load as { rate: number }).rate - target) < Math.abs((best.load as { rate: number }).rate - target)
    )
      best = r;
  return best;
}

export function renderTargets(targets: readonly Target[]): string {
  const lines = ['| target | goal | measured | met |', '|---|---|---|---|'];
  for (const t of targets)
    lines.push(`| ${t.name} | ${t.goal} | ${t.value} | ${t.met === undefined ? '–' : t.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

const SERIES_COLOR: Partial<Record<Scenario, string>> = {
  ceiling: '#7f7f7f',
  naive: '#d62728',
  coalesced: '#1f77b4',
  'coalesced-stock': '#ff7f0e',
};

/**
 * Throughput (x, predictions/s) against p99 latency (y, ms, log scale) of the open-loop runs: one
 * panel per traffic shape, one line per scenario in order of offered load, and the library's limit
 * as a dashed vertical line.
 */
export function renderChart(results: readonly RunResult[]): string {
  const traffics = (['single', 'bulk-compact', 'bulk-json'] as const).filter((t) =>
    results.some((r) => r.traffic === t && r.load.kind === 'open'),
  );
  const limit = results.find((r) => r.scenario === 'limit')?.predictionsPerSecond;
  const panel = { width: 400, height: 320, left: 64, right: 16, top: 48, bottom: 46 };
  const width = Math.max(1, traffics.length) * panel.width;
  const height = panel.height + 34;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  traffics.forEach((traffic, index) => {
    const runs = results.filter((r) => r.traffic === traffic && r.load.kind === 'open' && r.latency.count > 0);
    const x0 = index * panel.width + panel.left;
    const plotW = panel.width - panel.left - panel.right;
    const plotH = panel.height - panel.top - panel.bottom;
    const maxX = niceCeil(Math.max(...runs.map((r) => r.predictionsPerSecond), 1) * 1.05);
    const ys = runs.map((r) => r.latency.p99);
    const minY = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...ys))));
    const maxY = 10 ** Math.ceil(Math.log10(Math.max(minY * 10, ...ys)));
    const px = (v: number) => x0 + (v / maxX) * plotW;
    const py = (v: number) =>
      panel.top +
      plotH -
      ((Math.log10(Math.max(v, minY)) - Math.log10(minY)) / (Math.log10(maxY) - Math.log10(minY))) * plotH;
    parts.push(
      `<text x="${x0 + plotW / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(TRAFFIC_LABEL[traffic].replace(/`/g, ''))}</text>`,
    );
    parts.push(`<rect x="${x0}" y="${panel.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    for (let decade = minY; decade <= maxY * 1.0001; decade *= 10) {
      parts.push(`<line x1="${x0}" x2="${x0 + plotW}" y1="${py(decade)}" y2="${py(decade)}" stroke="#eee"/>`);
      parts.push(
        `<text x="${x0 - 6}" y="${py(decade) + 4}" text-anchor="end">${decade >= 1 ? decade.toFixed(0) : decade.toString()}</text>`,
      );
    }
    for (let i = 0; i <= 4; i++) {
      const v = (maxX / 4) * i;
      parts.push(`<text x="${px(v)}" y="${panel.top + plotH + 16}" text-anchor="middle">${compact(v)}</text>`);
    }
    parts.push(`<text x="${x0 + plotW / 2}" y="${panel.top + plotH + 34}" text-anchor="middle">predictions/s</text>`);
    parts.push(
      `<text transform="translate(${x0 - 44} ${panel.top + plotH / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms (log)</text>`,
    );
    if (limit !== undefined && limit <= maxX) {
      parts.push(
        `<line x1="${px(limit)}" x2="${px(limit)}" y1="${panel.top}" y2="${panel.top + plotH}" stroke="#2ca02c" stroke-dasharray="5 4"/>`,
      );
      parts.push(`<text x="${px(limit) - 4}" y="${panel.top + 12}" text-anchor="end" fill="#2ca02c">limit</text>`);
    } else if (limit !== undefined) {
      parts.push(
        `<text x="${x0 + plotW - 4}" y="${panel.top + plotH - 8}" text-anchor="end" fill="#2ca02c">limit ${compact(limit)}/s, off scale →</text>`,
      );
    }
    let legendX = x0;
    for (const scenario of ['ceiling', 'naive', 'coalesced', 'coalesced-stock'] as const) {
      const series = runs
        .filter((r) => r.scenario === scenario)
        .sort((a, b) => (a.load as { rate: number }).rate - (b.load as { rate: number }).rate);
      if (series.length === 0) continue;
      const color = SERIES_COLOR[scenario] ?? '#000';
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${series.map((r) => `${px(r.predictionsPerSecond).toFixed(1)},${py(r.latency.p99).toFixed(1)}`).join(' ')}"/>`,
      );
      for (const r of series)
        parts.push(
          `<circle cx="${px(r.predictionsPerSecond).toFixed(1)}" cy="${py(r.latency.p99).toFixed(1)}" r="2.6" fill="${color}"/>`,
        );
      parts.push(`<text x="${legendX}" y="${panel.top - 6}" fill="${color}">● ${scenario}</text>`);
      legendX += 12 + scenario.length * 6.2;
    }
  });
  parts.push(
    `<text x="8" y="${height - 6}" fill="#666">Open-loop Poisson arrivals at rising offered rates (fractions of each scenario's closed-loop peak); each point is one run. The library's batched limit (no HTTP) is the dashed line, or noted when off scale.</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** 1, 2 or 5 times a power of ten, at least `v`. */
function niceCeil(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * power >= v) return m * power;
  return 10 * power;
}

function compact(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`;
  return v.toFixed(0);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
