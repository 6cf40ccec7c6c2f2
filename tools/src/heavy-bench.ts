/**
 * The compute-heavy benchmark: single-row `mnist` requests served by a wide 784-2048-2048-10 MLP
 * with random weights in mnist's contract (writeWideModel), so the cost of a request is in the model
 * and batching decides the throughput. Scenarios, side by side in one run:
 * - `limit`: the library alone at its best batch size, in this process (no HTTP);
 * - `naive`: the API with cross-request batching off (one model run per request);
 * - `coalesced`: the API with the wide model's contract as written (see --instances, --threads);
 * - any `--variant name=K=V,K=V` (the API with those server settings, e.g. INSTANCES=2).
 * For each, closed-loop clients at each of --clients; the table shows mean batch, queue wait,
 * run time, the instances' busy share and the CPU split (event loop vs all other threads).
 *
 *   npm run bench:load -- --heavy [--clients 16,64,256] [--seconds 4] [--doc docs/benchmarks.md]
 *   npm run bench:heavy -- --variant pipelined=MAX_QUEUE_DELAY_MICROS=0 --no-build
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseModelConfig } from '@mserve/inference';
import { runLimit } from './bench-limit.js';
import { buildApi, settingsEnv, startBenchServer, type BenchServer } from './bench-server.js';
import { bodiesFor } from './bench-workload.js';
import { startLoadProcess } from './load-process.js';
import { measureServing, type ServingPoint } from './serving-measure.js';
import { writeWideModel } from './synthetic-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface HeavyRow extends ServingPoint {
  scenario: string;
  clients: number;
  env: Record<string, string>;
}

const { values: args } = parseArgs({
  allowPositionals: true,
  options: {
    heavy: { type: 'boolean', default: true },
    clients: { type: 'string', default: '16,64,256' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1.5' },
    hidden: { type: 'string', default: '2048' },
    instances: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    'max-batch': { type: 'string', default: '256' },
    variant: { type: 'string', multiple: true, default: [] },
    'limit-sizes': { type: 'string', default: '1,16,64,128,256' },
    out: { type: 'string', default: 'tmp/bench/heavy' },
    doc: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  if (!args['no-build']) buildApi(ROOT);
  const started = new Date();
  const load0 = loadavg();
  const modelsDir = resolve(ROOT, 'tmp/bench/wide-models');
  rmSync(modelsDir, { recursive: true, force: true });
  const contract = parseModelConfig(JSON.parse(readFileSync(join(ROOT, 'models/mnist/config.json'), 'utf8')));
  const instances = Number(args.instances);
  const maxBatch = Number(args['max-batch']);
  writeWideModel(modelsDir, 'mnist', contract, {
    hidden: Number(args.hidden),
    instances,
    threadsPerInstance: Number(args.threads),
    batching: { ...contract.batching, maxBatchSize: maxBatch },
  });
  const clients = (args.clients as string).split(',').map(Number);
  const seconds = Number(args.seconds);
  const warmupSeconds = Number(args.warmup);

  console.log(`limit: the wide model alone, batch sizes ${args['limit-sizes']}…`);
  const sweep = await runLimit({
    modelsDir,
    model: 'mnist',
    sizes: (args['limit-sizes'] as string).split(',').map(Number),
    seconds: Math.max(1, seconds / 2),
  });
  const best = sweep.reduce((a, b) => (b.predictionsPerSecond > a.predictionsPerSecond ? b : a));
  for (const point of sweep)
    console.log(`  batch ${String(point.rowsPerRequest).padStart(4)}: ${point.predictionsPerSecond.toFixed(0)} rows/s`);

  const scenarios: Array<{ name: string; env: Record<string, string> }> = [
    { name: 'naive', env: { BATCHING: 'off' } },
    { name: 'coalesced', env: {} },
    ...(args.variant as string[]).map((v) => {
      const at = v.indexOf('=');
      return { name: v.slice(0, at), env: settingsEnv(v.slice(at + 1).split(',')) };
    }),
  ];
  const bodies = bodiesFor('mnist', contract, 'single', { bulkRows: 1 });
  const rows: HeavyRow[] = [];
  const servers = new Map<string, BenchServer>();
  const load = startLoadProcess();
  try {
    for (const { name, env } of scenarios)
      servers.set(name, await startBenchServer({ root: ROOT, model: 'mnist', env: { MODELS_DIR: modelsDir, ...env } }));
    // Clients outer, scenarios inner: each point takes its turn across scenarios, so the noise of
    // other work on the machine falls on all of them alike.
    for (const n of clients) {
      for (const { name, env } of scenarios) {
        const point = await measureServing(load, servers.get(name) as BenchServer, {
          model: 'mnist',
          bodies: bodies.bodies,
          rowsPerRequest: 1,
          mode: { kind: 'closed', clients: n },
          warmupSeconds,
          seconds,
          instances: Number(env.INSTANCES ?? instances),
        });
        rows.push({ scenario: name, clients: n, env, ...point });
        console.log(
          `${name.padEnd(14)} ${String(n).padStart(3)} clients ${point.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${point.latency.p99.toFixed(1)} ms  batch ${point.meanBatch.toFixed(1)}  busy ${(point.instanceBusy * 100).toFixed(0)}%  loop ${point.loopCores.toFixed(2)} other ${point.otherCores.toFixed(2)} cores`,
        );
      }
    }
  } finally {
    await load.close();
    for (const server of servers.values()) await server.stop();
  }
  const table = renderHeavyTable(rows, best.predictionsPerSecond);
  const header = `\`npm run bench:load -- --heavy ${process.argv
    .slice(2)
    .filter((a) => a !== '--heavy')
    .join(
      ' ',
    )}\`, ${started.toISOString()}: ${availableParallelism()} cores, load average ${load0.map((x) => x.toFixed(1)).join(' ')} at the start; model 784-${args.hidden}-${args.hidden}-10, ${instances} instance(s) × ${args.threads} thread(s), maxBatchSize ${maxBatch}; limit ${best.predictionsPerSecond.toFixed(0)} rows/s (batch ${best.rowsPerRequest}); ${seconds} s per point after ${warmupSeconds} s of warm-up.`;
  const out = resolve(ROOT, args.out as string);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    `${out}.json`,
    `${JSON.stringify({ started: started.toISOString(), args, limitSweep: sweep, rows }, null, 2)}\n`,
  );
  console.log(`\n${header}\n\n${table}\n\nwrote ${out}.json`);
  if (args.doc) replaceSection(resolve(ROOT, args.doc as string), 'heavy-bench', `${header}\n\n${table}`);
}

/** The markdown table: one line per scenario and client count, with its ratio to naive and its share of the limit. */
export function renderHeavyTable(rows: readonly HeavyRow[], limit: number): string {
  const f = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const lines = [
    '| scenario | clients | req/s | × naive | of limit | p50 ms | p99 ms | batch | queue ms | run ms | busy | loop cores | other cores |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const naive = rows.find((n) => n.scenario === 'naive' && n.clients === r.clients);
    const ratio = naive && r.scenario !== 'naive' ? `${f(r.requestsPerSecond / naive.requestsPerSecond, 2)}×` : '–';
    lines.push(
      `| ${r.scenario} | ${r.clients} | ${f(r.requestsPerSecond)} | ${ratio} | ${f((r.predictionsPerSecond / limit) * 100, 0)}% | ${f(r.latency.p50, 1)} | ${f(r.latency.p99, 1)} | ${f(r.meanBatch, 1)} | ${f(r.queueMs, 2)} | ${f(r.computeMs, 2)} | ${f(r.instanceBusy * 100, 0)}% | ${f(r.loopCores, 2)} | ${f(r.otherCores, 2)} |`,
    );
  }
  return lines.join('\n');
}

/** Puts `text` between `<!-- name:begin -->` and `<!-- name:end -->` in `file`, or appends the section. */
function replaceSection(file: string, name: string, text: string): void {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const section = `${begin}\n${text}\n${end}`;
  writeFileSync(
    file,
    from >= 0 && to > from
      ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}`
      : `${current}\n${section}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
