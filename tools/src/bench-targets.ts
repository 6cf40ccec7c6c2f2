/** The targets of the performance issues, judged from one load-benchmark run, and their table. */
import { fmt, type LoadShape, type RunResult, type Scenario, type SoakResult, type Traffic } from './bench-report.js';

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

/** The targets as a markdown table. */
export function renderTargets(targets: readonly Target[]): string {
  const lines = ['| target | goal | measured | met |', '|---|---|---|---|'];
  for (const t of targets)
    lines.push(`| ${t.name} | ${t.goal} | ${t.value} | ${t.met === undefined ? '–' : t.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}
