/**
 * Server CPU a request of this checkout's API against other built checkouts (an older commit in a
 * git worktree), side by side: every server starts at once, and each round loads each in turn (or
 * all at once, `--together`), so the host's noise falls on all alike. For targets stated against
 * "today's" figure.
 *
 *   npm run bench:builds -- [--traffic single] [--clients 64] [--rate N] [--together] [--rounds 5] [--seconds 4] [--no-build] [NAME=DIR[:KEY=VALUE|--FLAG,…] …]
 *   e.g. git worktree add /tmp/before 2d9160d && (cd /tmp/before && npm ci && npm run build)
 *        npm run bench:builds -- before=/tmp/before here=. stock=.:FAST_PATH=false gc1=.:--single-threaded-gc
 * A setting that starts with `--` is an argument to node (a V8 flag), any other an environment variable.
 * `--rate N` sends N requests/s in Poisson arrivals (at most `--clients` in flight) instead of a closed
 * loop: every server then sees the same load and forms the same batches, so a cheaper request path
 * does not also buy larger batches, as a closed loop's higher throughput does.
 * `--together` loads every server at once, each from a load generator of its own, instead of in
 * turns: the servers then share the host's noise within each round, not only across rounds (they
 * also share its cores, so each serves fewer requests than alone).
 * Besides each build's median, the table gives the median of its per-round ratios to the first build,
 * the event-loop thread's own CPU a request (Linux), the rows of an average model run, and
 * the server's resident memory at the end of its window (the price of a flag that trades memory for CPU).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseModelConfig } from '@mserve/inference';
import type { Traffic } from './bench-report.js';
import { buildApi, settingsEnv, startBenchServer, type BenchServer } from './bench-server.js';
import { median, pairedRatios, summarize } from './bench-stats.js';
import { bodiesFor } from './bench-workload.js';
import type { LoadMode } from './load-generator.js';
import { startLoadProcess } from './load-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    traffic: { type: 'string', default: 'single' },
    clients: { type: 'string' },
    rate: { type: 'string' },
    together: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    'no-build': { type: 'boolean', default: false },
  },
});
const traffic = values.traffic as Traffic;
const clients = Number(values.clients ?? (traffic === 'single' ? 64 : 8));
const rate = values.rate === undefined ? undefined : Number(values.rate);
if (rate !== undefined && !(rate > 0))
  throw new Error(`--rate must be a positive number of requests/s, got ${values.rate}`);
const mode: LoadMode =
  rate === undefined ? { kind: 'closed', clients } : { kind: 'open', rate, seed: 1, maxInFlight: clients };
const loadName =
  rate === undefined ? `${clients} closed-loop clients` : `${rate} requests/s (at most ${clients} in flight)`;
const builds = (positionals.length > 0 ? positionals : ['here=.', 'stock=.:FAST_PATH=false']).map((arg) => {
  const at = arg.indexOf('=');
  const [name, rest] = at < 0 ? [arg, '.'] : [arg.slice(0, at), arg.slice(at + 1)];
  const [dir, settings = ''] = rest.split(':', 2);
  const [nodeArgs, env] = partition(settings.split(',').filter(Boolean), (s) => s.startsWith('--'));
  return { name, root: resolve(ROOT, dir), env: settingsEnv(env), nodeArgs };
});
if (!values['no-build']) buildApi(ROOT);

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

const config = parseModelConfig(JSON.parse(readFileSync(`${ROOT}/models/mnist/config.json`, 'utf8')));
const { bodies, rowsPerRequest } = bodiesFor('mnist', config, traffic, { bulkRows: 256 });
const starts = await Promise.allSettled(
  builds.map((b) => startBenchServer({ root: b.root, model: 'mnist', env: b.env, nodeArgs: b.nodeArgs })),
);
const servers: BenchServer[] = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
const failedStart = starts.find((s) => s.status === 'rejected');
if (failedStart) {
  // One build that cannot start must not leave the others running (their child processes keep this one alive).
  await Promise.all(servers.map((s) => s.stop()));
  throw failedStart.reason;
}
const together = values.together;
const loads = together ? servers.map(() => startLoadProcess()) : [startLoadProcess()];
const cpu: number[][] = builds.map(() => []);
const loopCpu: number[][] = builds.map(() => []);
const batchRows: number[][] = builds.map(() => []);
const served: number[][] = builds.map(() => []);
const dropped = builds.map(() => 0);
const p99: number[][] = builds.map(() => []);
const rss: number[][] = builds.map(() => []);

/** One build's turn of a round: its load, and its server's CPU over the measured window. */
async function turn(i: number, round: number): Promise<void> {
  const server = servers[i];
  let before = { cpuSeconds: 0, loopCpuSeconds: 0, executions: 0, batchRows: 0, rssBytes: 0 };
  let after = before;
  const outcome = await loads[together ? i : 0].run(
    {
      url: `${server.url}/graphql`,
      bodies,
      mode,
      warmupMs: 1500,
      durationMs: Number(values.seconds) * 1000,
      timeoutMs: 10_000,
    },
    async (phase) => {
      const reading = await server.read();
      if (phase === 'start') before = reading;
      else after = reading;
    },
  );
  // Open-loop arrivals past `--clients` in flight are dropped and reported; any other failure ends the run.
  if (outcome.failed > outcome.dropped)
    throw new Error(`${builds[i].name}: ${outcome.failed} requests failed: ${JSON.stringify(outcome.failures)}`);
  dropped[i] += outcome.dropped;
  cpu[i].push(((after.cpuSeconds - before.cpuSeconds) * 1e6) / outcome.ok);
  loopCpu[i].push(((after.loopCpuSeconds - before.loopCpuSeconds) * 1e6) / outcome.ok);
  batchRows[i].push((after.batchRows - before.batchRows) / Math.max(1, after.executions - before.executions));
  p99[i].push(summarize(outcome.latencies).p99);
  rss[i].push(after.rssBytes / 2 ** 20);
  served[i].push((outcome.ok * rowsPerRequest) / (outcome.windowMs / 1000));
  console.log(`round ${round} ${builds[i].name.padEnd(10)} ${cpu[i].at(-1)?.toFixed(1)} µs a request`);
}

try {
  for (let round = 0; round < Number(values.rounds); round++)
    if (together) await Promise.all(servers.map((_, i) => turn(i, round)));
    else for (const i of servers.keys()) await turn(i, round);
} finally {
  await Promise.all(loads.map((load) => load.close()));
  await Promise.all(servers.map((s) => s.stop()));
}

const paired = pairedRatios(cpu);
const how = together ? 'all servers at once' : 'in turns';
console.log(`\n${traffic} from ${loadName}, ${how}, ${values.rounds} rounds of ${values.seconds} s; medians:\n`);
console.log(
  '| build | server CPU µs a request | × the first | × the first, paired by round | event-loop thread µs | rows a batch | predictions/s | p99 ms | RSS MiB | dropped |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [i, b] of builds.entries())
  console.log(
    `| ${b.name} | ${median(cpu[i]).toFixed(1)} | ${(median(cpu[i]) / median(cpu[0])).toFixed(2)} | ${paired[i].toFixed(2)} | ${median(loopCpu[i]).toFixed(1)} | ${median(batchRows[i]).toFixed(1)} | ${median(served[i]).toFixed(0)} | ${median(p99[i]).toFixed(1)} | ${median(rss[i]).toFixed(0)} | ${dropped[i]} |`,
  );
