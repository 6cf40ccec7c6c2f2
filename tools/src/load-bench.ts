/**
 * The load benchmark: the API under load, side by side with its physical limit, the cost of
 * GraphQL itself and the per-request pattern, in one run. Scenarios:
 * - `limit`: the inference library alone at its best batch size, in this process (no HTTP);
 * - `ceiling`: the API answering the same requests with a model of the same contract that costs
 *   next to nothing (ceiling-model.ts), plus `{ __typename }` for single rows;
 * - `naive`: the API with cross-request batching off (BATCHING=off: one model run per request);
 * - `coalesced`: the API as shipped; `coalesced-stock` the same with FAST_PATH=false.
 * Traffic: single-row `mnist` requests from 64 closed-loop clients, and bulk requests of 256 rows
 * as base64 columns (`mnistBatchCompact`) and as JSON lists (`mnistBatch`); then open-loop Poisson
 * arrivals at fractions of each scenario's closed-loop peak, for the throughput-vs-p99 chart.
 *
 * The API runs as `node apps/api/dist/main.js` in its own process (built first), the load comes
 * from a child process of this one, all on 127.0.0.1. Writes `<out>.json`, `<out>.md` (between
 * `<!-- load-bench:begin -->` and `<!-- load-bench:end -->` when the file has them) and `<out>.svg`.
 *
 *   npm run bench:load                         the full run (about 10 minutes)
 *   npm run bench:load -- --out docs/benchmarks   …and update the committed report
 *   npm run bench:load -- --smoke              a few seconds of everything, to check the harness
 *   npm run bench:load -- --soak 300           5 minutes of single-row peak load: RSS over time
 *   npm run bench:load -- --profile tmp/prof   CPU profiles of the coalesced server, per traffic
 *   npm run bench:load -- --heavy              the compute-heavy model instead (see heavy-bench.ts)
 * Options: --model mnist --seconds 5 --warmup 2 --clients 64 --bulk-clients 8 --bulk-rows 256
 *   --rates 0.25,0.5,0.75,0.9,1,1.1 --repeat 3 --traffic single,bulk-compact,bulk-json
 *   --scenarios limit,ceiling,naive,coalesced,coalesced-stock --server-env K=V,… --no-build
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelConfig } from '@mserve/inference';
import { renderChart } from './bench-chart.js';
import { runLimit } from './bench-limit.js';
import { measure, plays, scenarioEnv } from './bench-measure.js';
import { renderOpenLoopTable, renderTable, type RunResult, type Scenario, type SoakResult } from './bench-report.js';
import { buildApi, startBenchServer, type BenchServer } from './bench-server.js';
import { evaluateTargets, halfPeak, renderTargets } from './bench-targets.js';
import { bodiesFor, TYPENAME_BODY, type Bodies } from './bench-workload.js';
import { parseLoadArgs, timingOf } from './load-bench-settings.js';
import { generatorPriority, startLoadProcess } from './load-process.js';
import { profile } from './load-profile.js';
import { soak } from './load-soak.js';
import { replaceSection, section } from './report-sections.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { settings, heavy, soakSeconds, profileDir, build } = parseLoadArgs(process.argv.slice(2), ROOT);

/** Every batch size of the limit sweep (the table shows the best), and every closed-loop round (the table shows each median). */
let limitSweep: RunResult[] = [];
const allRounds: RunResult[] = [];

/** The warm-up and window of every load run. */
const timing = () => timingOf(settings);

async function main(): Promise<void> {
  if (heavy) return void (await import('./heavy-bench.js'));
  if (build) buildApi(ROOT);
  const config = parseModelConfig(
    JSON.parse(readFileSync(join(ROOT, 'models', settings.model, 'config.json'), 'utf8')),
  );
  if (soakSeconds !== undefined) return soak(ROOT, settings, config, soakSeconds);
  if (profileDir !== undefined) return profile(ROOT, settings, config, profileDir);

  const results: RunResult[] = [];
  const started = new Date();
  if (settings.scenarios.includes('limit')) {
    console.log(`limit: the library alone, batch sizes ${settings.limitSizes.join(', ')}…`);
    const sweep = await runLimit({
      modelsDir: join(ROOT, 'models'),
      model: settings.model,
      sizes: settings.limitSizes,
      seconds: Math.max(settings.seconds / 2, 0.5),
    });
    const best = sweep.reduce((a, b) => (b.predictionsPerSecond > a.predictionsPerSecond ? b : a));
    console.log(`  best: ${best.predictionsPerSecond.toFixed(0)} predictions/s at batch ${best.rowsPerRequest}`);
    for (const traffic of settings.traffic) results.push({ ...best, traffic });
    limitSweep = sweep;
  }

  // Every server scenario runs at once (idle ones cost nothing), so each point can take turns
  // across scenarios: noise from other work on the machine then falls on all of them alike.
  const servers = new Map<Scenario, BenchServer>();
  const load = startLoadProcess();
  const envs = scenarioEnv(ROOT, settings.model);
  try {
    for (const scenario of settings.scenarios) {
      const env = envs.of(scenario);
      if (env)
        servers.set(
          scenario,
          await startBenchServer({ root: ROOT, model: settings.model, env: { ...env, ...settings.serverEnv } }),
        );
    }
    for (const traffic of settings.traffic) {
      const clients = traffic === 'single' ? settings.clients : settings.bulkClients;
      const players = [...servers.entries()].filter(([scenario]) => plays(scenario, traffic).closed);
      const bodies = new Map(
        players.map(([scenario]) => [
          scenario,
          bodiesFor(settings.model, config, traffic, { bulkRows: settings.bulkRows }),
        ]),
      );
      const rounds = new Map<Scenario, RunResult[]>();
      const take = (result: RunResult) => rounds.set(result.scenario, [...(rounds.get(result.scenario) ?? []), result]);
      for (let round = 0; round < settings.repeat; round++) {
        for (const [scenario, server] of players) {
          take(
            await measure(load, server, {
              ...timing(),
              traffic,
              scenario,
              bodies: bodies.get(scenario) as Bodies,
              mode: { kind: 'closed', clients },
            }),
          );
          if (scenario === 'ceiling' && traffic === 'single') {
            take(
              await measure(load, server, {
                ...timing(),
                traffic,
                scenario: 'ceiling-typename',
                bodies: { bodies: [TYPENAME_BODY], rowsPerRequest: 1 },
                mode: { kind: 'closed', clients },
              }),
            );
          }
        }
      }
      // Each scenario's peak is its median round (by throughput); every round goes to the JSON.
      const peaks = new Map<Scenario, RunResult>();
      for (const [scenario, runs] of rounds) {
        const sorted = [...runs].sort((a, b) => a.predictionsPerSecond - b.predictionsPerSecond);
        const median = sorted[Math.floor((sorted.length - 1) / 2)];
        peaks.set(scenario, median);
        results.push(median);
        allRounds.push(...runs);
      }
      for (const [i, fraction] of settings.rates.entries()) {
        for (const [scenario, server] of players) {
          const peak = peaks.get(scenario);
          if (!peak || !plays(scenario, traffic).open) continue;
          const rate = Math.max(1, peak.requestsPerSecond * fraction);
          results.push(
            await measure(load, server, {
              ...timing(),
              traffic,
              scenario,
              bodies: bodies.get(scenario) as Bodies,
              mode: { kind: 'open', rate, seed: 1000 + i, maxInFlight: 1024 },
            }),
          );
        }
      }
      // The tail target's floor: `{ __typename }` at the rate of the half-peak point, on the same
      // server; its tail is what the generator, the kernel and the machine add to any request.
      const half = traffic === 'single' ? halfPeak(results) : undefined;
      const halfServer = servers.get('coalesced');
      if (half && halfServer && half.load.kind === 'open') {
        const floor = { kind: 'open' as const, rate: half.load.rate, seed: 2000, maxInFlight: 1024 };
        results.push(
          await measure(load, halfServer, {
            ...timing(),
            traffic,
            scenario: 'ceiling-typename',
            bodies: { bodies: [TYPENAME_BODY], rowsPerRequest: 1 },
            mode: floor,
          }),
        );
      }
    }
  } finally {
    await load.close();
    for (const server of servers.values()) await server.stop();
    envs.dispose();
  }
  write(results, started);
}

/** The 1-, 5- and 15-minute load averages when the run began (other work on the machine shows here). */
const loadAtStart = loadavg();

function machineNotes(started: Date): string {
  const cpu = cpus()[0];
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return [
    `- ${started.toISOString()}: Node ${process.version}, ${availableParallelism()} cores (${cpu?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${load(loadAtStart)} at the start, ${load(loadavg())} at the end.`,
    `- API, load generator and this harness share the machine: the generator (one process, node:http keep-alive, priority ${generatorPriority}) takes CPU from the server.`,
    `- ${settings.seconds} s measured after ${settings.warmup} s of warm-up per point; single rows from ${settings.clients} closed-loop clients, bulk ${settings.bulkRows} rows from ${settings.bulkClients}; open loop at ${settings.rates.join(', ')} × each scenario's closed-loop peak.`,
    `- Every server scenario runs at once, idle but for its turn; closed-loop points take ${settings.repeat} turns across scenarios and the table shows each one's median turn (all turns are in the JSON).`,
    ...(Object.keys(settings.serverEnv).length
      ? [`- Server env for every scenario: ${JSON.stringify(settings.serverEnv)}.`]
      : []),
  ].join('\n');
}

/** Writes `<out>.json`, `<out>.svg` and the report section of `<out>.md`. */
function write(results: RunResult[], started: Date): void {
  mkdirSync(dirname(settings.out), { recursive: true });
  const soakFile = `${settings.out}.soak.json`;
  const soak = existsSync(soakFile) ? (JSON.parse(readFileSync(soakFile, 'utf8')) as SoakResult) : undefined;
  writeFileSync(
    `${settings.out}.json`,
    `${JSON.stringify({ started: started.toISOString(), settings, results, limitSweep, rounds: allRounds }, null, 2)}\n`,
  );
  writeFileSync(`${settings.out}.svg`, renderChart(results));
  const targets = renderTargets(evaluateTargets(results, soak));
  const text = [
    `Command: \`npm run bench:load -- ${process.argv.slice(2).join(' ')}\`, ${started.toISOString().slice(0, 10)}.`,
    '',
    machineNotes(started),
    '',
    renderTable(results),
    '',
    '#### Targets',
    '',
    // A section of its own, so that a soak run, which comes after, can fill in its row.
    section('load-bench-targets', targets),
  ].join('\n');
  replaceSection(`${settings.out}.md`, 'load-bench', text);
  // The open-loop points are the chart's (and in the JSON); the report keeps to the table a reader compares.
  console.log(
    `\n${renderTable(results)}\n\n${renderOpenLoopTable(results)}\n\n${targets}\n\nwrote ${settings.out}.{json,md,svg}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
