/**
 * The priority benchmark: interactive single-row requests at a steady open-loop rate, alone and
 * while closed-loop bulk requests saturate the model, on the compute-heavy wide model (bench:heavy's).
 * Three phases, side by side in one run on one server:
 * - `alone`: single rows only, no header;
 * - `priorities`: single rows with `x-priority: high`, bulk with `x-priority: low`;
 * - `no priorities`: the same traffic with no header (one level: arrival order).
 * Target: the single rows' p99 with priorities ≤ 2 × their p99 alone.
 *
 *   npm run bench:priority [-- --rate 50 --bulk-clients 4 --bulk-rows 256 --seconds 5 --max-batch 64]
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseModelConfig } from '@mserve/inference';
import { buildApi, startBenchServer, type BenchServer } from './bench-server.js';
import { bodiesFor } from './bench-workload.js';
import { startLoadProcess, type LoadProcess } from './load-process.js';
import { measureServing, type ServingPoint } from './serving-measure.js';
import { writeWideModel } from './synthetic-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    'bulk-clients': { type: 'string', default: '4' },
    'bulk-rows': { type: 'string', default: '256' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'max-batch': { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    out: { type: 'string', default: 'tmp/bench/priority' },
    'no-build': { type: 'boolean', default: false },
  },
});

interface Phase {
  name: string;
  single: ServingPoint;
  bulk?: ServingPoint;
}

async function main(): Promise<void> {
  if (!args['no-build']) buildApi(ROOT);
  const modelsDir = resolve(ROOT, 'tmp/bench/priority-models');
  rmSync(modelsDir, { recursive: true, force: true });
  const contract = parseModelConfig(JSON.parse(readFileSync(join(ROOT, 'models/mnist/config.json'), 'utf8')));
  const maxBatch = Number(args['max-batch']);
  writeWideModel(modelsDir, 'mnist', contract, {
    threadsPerInstance: Number(args.threads),
    batching: { ...contract.batching, maxBatchSize: maxBatch },
  });
  const seconds = Number(args.seconds);
  const warmupSeconds = Number(args.warmup);
  const single = bodiesFor('mnist', contract, 'single', { bulkRows: 1 });
  const bulk = bodiesFor('mnist', contract, 'bulk-compact', { bulkRows: Number(args['bulk-rows']) });
  const started = new Date();
  const load0 = loadavg();
  const server = await startBenchServer({ root: ROOT, model: 'mnist', env: { MODELS_DIR: modelsDir } });
  const interactive = startLoadProcess();
  const backfill = startLoadProcess();
  const phases: Phase[] = [];
  try {
    const singleRun = (headers?: Record<string, string>) =>
      measureServing(interactive, server, {
        model: 'mnist',
        bodies: single.bodies,
        rowsPerRequest: 1,
        mode: { kind: 'open', rate: Number(args.rate), seed: 7, maxInFlight: 1024 },
        warmupSeconds,
        seconds,
        instances: 1,
        headers,
      });
    /** Bulk load that starts first and outlasts the single rows' window. */
    const withBulk = async (
      name: string,
      singleHeaders?: Record<string, string>,
      bulkHeaders?: Record<string, string>,
    ) => {
      const bulkRun = measureBulk(
        backfill,
        server,
        bulk.bodies,
        bulk.rowsPerRequest,
        bulkHeaders,
        warmupSeconds + seconds + 1,
      );
      await new Promise((r) => setTimeout(r, 500));
      const point = await singleRun(singleHeaders);
      phases.push({ name, single: point, bulk: await bulkRun });
    };
    phases.push({ name: 'alone', single: await singleRun() });
    await withBulk('priorities (high over low)', { 'x-priority': 'high' }, { 'x-priority': 'low' });
    await withBulk('no priorities', undefined, undefined);
  } finally {
    await interactive.close();
    await backfill.close();
    await server.stop();
  }
  const alone = phases[0].single.latency.p99;
  const f = (n: number, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const table = [
    '| phase | single req/s | single p50 ms | single p99 ms | p99 / alone | bulk rows/s | mean batch | loop cores | other cores |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...phases.map(
      (p) =>
        `| ${p.name} | ${f(p.single.requestsPerSecond, 0)} | ${f(p.single.latency.p50)} | ${f(p.single.latency.p99)} | ${f(p.single.latency.p99 / alone, 2)}× | ${p.bulk ? f(p.bulk.predictionsPerSecond, 0) : '–'} | ${f((p.bulk ?? p.single).meanBatch)} | ${f(p.single.loopCores, 2)} | ${f(p.single.otherCores, 2)} |`,
    ),
  ].join('\n');
  const header = `\`npm run bench:priority -- ${process.argv.slice(2).join(' ')}\`, ${started.toISOString()}, load average ${load0.map((x) => x.toFixed(1)).join(' ')} at the start: wide 784-2048-2048-10 model, 1 instance × ${args.threads} thread(s), maxBatchSize ${maxBatch}; single rows open loop at ${args.rate} req/s; bulk ${args['bulk-rows']}-row compact requests from ${args['bulk-clients']} closed-loop clients; ${seconds} s windows.`;
  const out = resolve(ROOT, args.out as string);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify({ started: started.toISOString(), args, phases }, null, 2)}\n`);
  console.log(`\n${header}\n\n${table}\n\nwrote ${out}.json`);
}

/** Closed-loop bulk requests for `seconds` (no warm-up), with their own reading of the server. */
function measureBulk(
  load: LoadProcess,
  server: BenchServer,
  bodies: string[],
  rowsPerRequest: number,
  headers: Record<string, string> | undefined,
  seconds: number,
): Promise<ServingPoint> {
  return measureServing(load, server, {
    model: 'mnist',
    bodies,
    rowsPerRequest,
    mode: { kind: 'closed', clients: Number(args['bulk-clients']) },
    warmupSeconds: 0,
    seconds,
    instances: 1,
    headers,
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
