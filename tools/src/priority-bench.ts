/**
 * The priority benchmark: interactive single-row requests at a steady open-loop rate, alone and
 * while closed-loop bulk requests saturate the model, on the compute-heavy wide model (bench:heavy's).
 * Three phases, side by side in one run on one server:
 * - `alone`: single rows only, no header;
 * - `priorities`: single rows with `x-priority: high`, bulk with `x-priority: low`;
 * - `no priorities`: the same traffic with no header (one level: arrival order).
 * Target: the single rows' p99 with priorities ≤ 2 × their p99 alone. `--low-max-batch` (default
 * `default,off`) repeats `alone` and `priorities` on a server per value of
 * `batching.lowPriorityMaxBatch`, in the order given (`default`: not set, `off`: maxBatchSize, or
 * a number), or `kept`: two instances, one kept for high rows (`batching.highPriorityInstances`
 * 1), the cap at its default; `no priorities` runs once, on the last (one level in use: the cap is idle). Besides
 * the clients' latency it reads the single rows' wait in the batcher and the event-loop delay.
 *
 *   npm run bench:priority [-- --rate 50 --bulk-clients 4 --bulk-rows 256 --seconds 5 --max-batch 64 --low-max-batch default,off]
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
    'low-max-batch': { type: 'string', default: 'default,off' },
    threads: { type: 'string', default: '1' },
    out: { type: 'string', default: 'tmp/bench/priority' },
    'no-build': { type: 'boolean', default: false },
  },
});

interface Phase {
  name: string;
  /** batching.lowPriorityMaxBatch of the server: a number, `default` (not set) or `off` (maxBatchSize). */
  lowMaxBatch: string;
  single: ServingPoint;
  bulk?: ServingPoint;
  /** The alone phase of the same server: the reference of `p99 / alone`. */
  aloneP99: number;
}

async function main(): Promise<void> {
  if (!args['no-build']) buildApi(ROOT);
  const contract = parseModelConfig(JSON.parse(readFileSync(join(ROOT, 'models/mnist/config.json'), 'utf8')));
  const maxBatch = Number(args['max-batch']);
  const variants = (args['low-max-batch'] as string).split(',').map((v) => v.trim());
  const single = bodiesFor('mnist', contract, 'single', { bulkRows: 1 });
  const bulk = bodiesFor('mnist', contract, 'bulk-compact', { bulkRows: Number(args['bulk-rows']) });
  const seconds = Number(args.seconds);
  const started = new Date();
  const load0 = loadavg();
  const interactive = startLoadProcess();
  const backfill = startLoadProcess();
  const phases: Phase[] = [];
  try {
    for (const [i, lowMaxBatch] of variants.entries()) {
      const modelsDir = resolve(ROOT, 'tmp/bench/priority-models');
      rmSync(modelsDir, { recursive: true, force: true });
      const kept = lowMaxBatch === 'kept';
      writeWideModel(modelsDir, 'mnist', contract, {
        threadsPerInstance: Number(args.threads),
        instances: kept ? 2 : 1,
        batching: {
          ...contract.batching,
          maxBatchSize: maxBatch,
          ...(kept ? { highPriorityInstances: 1 } : {}),
          ...(lowMaxBatch === 'default' || kept
            ? {}
            : { lowPriorityMaxBatch: lowMaxBatch === 'off' ? maxBatch : Number(lowMaxBatch) }),
        },
      });
      const server = await startBenchServer({
        root: ROOT,
        model: 'mnist',
        env: { MODELS_DIR: modelsDir },
      });
      try {
        const run = (bulkHeaders: Record<string, string> | false, singleHeaders?: Record<string, string>) =>
          runPhase(interactive, backfill, server, single.bodies, bulk, bulkHeaders, singleHeaders);
        const alone = await run(false);
        const push = (name: string, point: Awaited<ReturnType<typeof run>>) =>
          phases.push({ name, lowMaxBatch, ...point, aloneP99: alone.single.latency.p99 });
        push('alone', alone);
        push('priorities (high over low)', await run({ 'x-priority': 'low' }, { 'x-priority': 'high' }));
        if (i === variants.length - 1) push('no priorities', await run({}));
      } finally {
        await server.stop();
      }
    }
  } finally {
    await interactive.close();
    await backfill.close();
  }
  const f = (n: number, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const table = [
    '| phase | low cap | single req/s | single p50 ms | single p99 ms | p99 / alone | batcher wait p50 / p99 ms | run ms | bulk rows/s | mean batch | loop delay p99 ms | loop cores | other cores |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...phases.map(
      (p) =>
        `| ${p.name} | ${p.lowMaxBatch} | ${f(p.single.requestsPerSecond, 0)} | ${f(p.single.latency.p50)} | ${f(p.single.latency.p99)} | ${f(p.single.latency.p99 / p.aloneP99, 2)}× | ${f(p.single.waitP50Ms)} / ${f(p.single.waitP99Ms)} | ${f((p.bulk ?? p.single).computeMs)} | ${p.bulk ? f(p.bulk.predictionsPerSecond, 0) : '–'} | ${f((p.bulk ?? p.single).meanBatch)} | ${f(p.single.loopDelayP99Ms)} | ${f(p.single.loopCores, 2)} | ${f(p.single.otherCores, 2)} |`,
    ),
  ].join('\n');
  const header = `\`npm run bench:priority -- ${process.argv.slice(2).join(' ')}\`, ${started.toISOString()}, load average ${load0.map((x) => x.toFixed(1)).join(' ')} at the start, ${loadavg()
    .map((x) => x.toFixed(1))
    .join(
      ' ',
    )} at the end: wide 784-2048-2048-10 model, 1 instance × ${args.threads} thread(s) (\`kept\`: 2, one kept for high rows), maxBatchSize ${maxBatch}; single rows open loop at ${args.rate} req/s; bulk ${args['bulk-rows']}-row compact requests from ${args['bulk-clients']} closed-loop clients; ${seconds} s windows. "batcher wait": the single rows' wait in the batcher's queue (bucket bounds).`;
  const out = resolve(ROOT, args.out as string);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify({ started: started.toISOString(), args, phases }, null, 2)}\n`);
  console.log(`\n${header}\n\n${table}\n\nwrote ${out}.json`);
}

/**
 * One phase on `server`: single rows at the open-loop rate, alone (`bulkHeaders` false) or while
 * closed-loop bulk requests, started half a second earlier, keep the model saturated past the end
 * of the single rows' window.
 */
async function runPhase(
  interactive: LoadProcess,
  backfill: LoadProcess,
  server: BenchServer,
  singleBodies: string[],
  bulk: { bodies: string[]; rowsPerRequest: number },
  bulkHeaders: Record<string, string> | false,
  singleHeaders?: Record<string, string>,
): Promise<{ single: ServingPoint; bulk?: ServingPoint }> {
  const seconds = Number(args.seconds);
  const warmupSeconds = Number(args.warmup);
  const bulkRun =
    bulkHeaders &&
    measureServing(backfill, server, {
      model: 'mnist',
      bodies: bulk.bodies,
      rowsPerRequest: bulk.rowsPerRequest,
      mode: { kind: 'closed', clients: Number(args['bulk-clients']) },
      warmupSeconds: 0,
      seconds: warmupSeconds + seconds + 1,
      instances: 1,
      headers: bulkHeaders,
    });
  if (bulkRun) await new Promise((r) => setTimeout(r, 500));
  const single = await measureServing(interactive, server, {
    model: 'mnist',
    bodies: singleBodies,
    rowsPerRequest: 1,
    mode: { kind: 'open', rate: Number(args.rate), seed: 7, maxInFlight: 1024 },
    warmupSeconds,
    seconds,
    instances: 1,
    headers: singleHeaders,
    waitPriority: singleHeaders?.['x-priority'] === 'high' ? 'high' : 'normal',
  });
  return bulkRun ? { single, bulk: await bulkRun } : { single };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
