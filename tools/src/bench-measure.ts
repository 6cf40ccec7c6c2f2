/**
 * One load run of the benchmark against a started API server, and what each server-side scenario
 * is: its settings and the traffic it plays.
 */
import type { RunResult, Scenario, Traffic } from './bench-report.js';
import { histogramQuantile, summarize } from './bench-stats.js';
import type { BenchServer, ServerReading } from './bench-server.js';
import { writeCeilingModels, type CeilingModels } from './ceiling-model.js';
import type { Bodies } from './bench-workload.js';
import type { LoadMode } from './load-generator.js';
import type { LoadProcess } from './load-process.js';

/** The env of each server-side scenario but the ceiling, whose model repository is made per run. */
const SERVER_ENV: Partial<Record<Scenario, Record<string, string>>> = {
  naive: { BATCHING: 'off' },
  coalesced: {},
  'coalesced-stock': { FAST_PATH: 'false' },
};

/** The env of each server-side scenario (undefined: not a server); `dispose` removes what it made. */
export interface ScenarioEnv {
  of(scenario: Scenario): Record<string, string> | undefined;
  dispose(): void;
}

/**
 * Server settings per scenario for `model` of the repository at `root`. The ceiling serves the
 * model's contract with a model that costs next to nothing (see ceiling-model.ts), written on first
 * use into a temporary repository.
 */
export function scenarioEnv(root: string, model: string): ScenarioEnv {
  let ceiling: CeilingModels | undefined;
  return {
    of(scenario) {
      if (scenario !== 'ceiling') return SERVER_ENV[scenario];
      ceiling ??= writeCeilingModels(`${root}/models`, model);
      return { MODELS_DIR: ceiling.root };
    },
    dispose: () => ceiling?.dispose(),
  };
}

/** Which traffic each server-side scenario runs, and whether it gets an open-loop sweep. */
export function plays(scenario: Scenario, traffic: Traffic): { closed: boolean; open: boolean } {
  if (scenario === 'coalesced-stock') return { closed: true, open: traffic === 'bulk-json' };
  return { closed: true, open: true };
}

export interface Measure {
  traffic: Traffic;
  scenario: Scenario;
  bodies: Bodies;
  mode: LoadMode;
  /** Seconds of load before the measured window, and of the window. */
  warmup: number;
  seconds: number;
}

/** One load run against a started server, with the server's counters read at the window's edges. */
export async function measure(load: LoadProcess, server: BenchServer, run: Measure): Promise<RunResult> {
  let before: ServerReading | undefined;
  let after: ServerReading | undefined;
  const outcome = await load.run(
    {
      url: `${server.url}/graphql`,
      bodies: run.bodies.bodies,
      mode: run.mode,
      warmupMs: run.warmup * 1000,
      durationMs: run.seconds * 1000,
      timeoutMs: 10_000,
    },
    async (phase) => {
      if (phase === 'start') before = await server.read();
      else after = await server.read();
    },
  );
  if (!before || !after) throw new Error('the load generator did not report its window');
  const predictions = outcome.ok * run.bodies.rowsPerRequest;
  const executions = after.executions - before.executions;
  const result: RunResult = {
    traffic: run.traffic,
    scenario: run.scenario,
    load:
      run.mode.kind === 'closed'
        ? { kind: 'closed', clients: run.mode.clients }
        : { kind: 'open', rate: run.mode.rate },
    rowsPerRequest: run.bodies.rowsPerRequest,
    seconds: outcome.windowMs / 1000,
    requests: outcome.ok,
    failed: outcome.failed,
    requestsPerSecond: outcome.ok / (outcome.windowMs / 1000),
    predictionsPerSecond: predictions / (outcome.windowMs / 1000),
    latency: summarize([...outcome.latencies, ...outcome.failedLatencies]),
    executions,
    meanBatch: executions > 0 ? (after.batchRows - before.batchRows) / executions : 0,
    cpuMicrosPerPrediction: predictions > 0 ? ((after.cpuSeconds - before.cpuSeconds) * 1e6) / predictions : Number.NaN,
    eventLoopP99Ms: after.eventLoopP99Seconds * 1000,
    rssMiB: after.rssBytes / 2 ** 20,
    generatorCpuPercent: outcome.cpuPercent,
    generatorLagP99Ms: run.mode.kind === 'open' ? outcome.lagP99Ms : undefined,
    generatorLoopP99Ms: outcome.loopP99Ms,
    generatorLoopMaxMs: outcome.loopMaxMs,
  };
  const serverP50 = histogramQuantile(before.requestBuckets, after.requestBuckets, 0.5);
  if (Number.isFinite(serverP50))
    result.serverLatency = {
      p50: serverP50 * 1000,
      p99: histogramQuantile(before.requestBuckets, after.requestBuckets, 0.99) * 1000,
    };
  const failures = Object.entries(outcome.failures)
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
  console.log(
    `${run.traffic.padEnd(12)} ${run.scenario.padEnd(16)} ${(run.mode.kind === 'closed' ? `${run.mode.clients} clients` : `${run.mode.rate.toFixed(0)} req/s`).padEnd(12)} ` +
      `${result.predictionsPerSecond.toFixed(0).padStart(7)} pred/s  p50 ${result.latency.p50.toFixed(2)}  p99 ${result.latency.p99.toFixed(2)} ms${result.serverLatency ? ` (server ${result.serverLatency.p50.toFixed(2)} / ${result.serverLatency.p99.toFixed(2)})` : ''}  batch ${result.meanBatch.toFixed(1)}  ` +
      `cpu ${result.cpuMicrosPerPrediction.toFixed(1)} µs/pred  loop p99 ${result.eventLoopP99Ms?.toFixed(1)} ms  gen ${outcome.cpuPercent.toFixed(0)}% (loop p99 ${outcome.loopP99Ms.toFixed(1)}, max ${outcome.loopMaxMs.toFixed(1)} ms)${failures ? `  failed: ${failures}` : ''}`,
  );
  return result;
}
