/**
 * The batching tuner, Triton's model analyzer in small: for one model it sweeps instances × threads
 * per instance × maxBatchSize × maxQueueDelayMicros, each setting on a fresh API server on this
 * machine under closed-loop single-row and bulk traffic, prints the throughput/p99 table and
 * recommends the setting with the best throughput whose single-row p99 is within `--p99-ms` (see
 * tune-recommend.ts). `--write` puts it into the model's config.json (only a setting within budget). The sweep stops when
 * `--budget-s` is spent (settings not reached are listed as such); each setting prints a progress line.
 *
 *   npm run tune -- --model mnist [--p99-ms 50] [--budget-s 180] [--write]
 *   npm run tune -- --model wide           the compute-heavy 784-2048-2048-10 MLP (bench:heavy's)
 * Grid: --instances-threads 1x1,1x2,2x1 --max-batch 32,128,512 --delay-us 0,1000
 * Load: --clients 32 --bulk-clients 4 --bulk-rows 128 --seconds 2 --warmup 1; --no-build
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseModelConfig, type ModelConfig } from '@mserve/inference';
import { ColumnCodec } from '@mserve/inference/tensors';
import { buildApi, startBenchServer } from './bench-server.js';
import { bodiesFor } from './bench-workload.js';
import { startLoadProcess, type LoadProcess } from './load-process.js';
import { measureServing } from './serving-measure.js';
import { writeWideModel } from './synthetic-model.js';
import {
  applySetting,
  describeSetting,
  recommend,
  renderSweep,
  type SweepPoint,
  type TrafficResult,
  type TuneSetting,
} from './tune-recommend.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What one server start and warm-up costs, for the budget (a guess that errs long). */
const START_SECONDS = 5;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mnist' },
    'p99-ms': { type: 'string', default: '50' },
    'budget-s': { type: 'string', default: '180' },
    write: { type: 'boolean', default: false },
    'instances-threads': { type: 'string' },
    'max-batch': { type: 'string', default: '32,128,512' },
    'delay-us': { type: 'string', default: '0,1000' },
    clients: { type: 'string', default: '32' },
    'bulk-clients': { type: 'string', default: '4' },
    'bulk-rows': { type: 'string', default: '128' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    'models-dir': { type: 'string', default: join(ROOT, 'models') },
    out: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

/** Every instances × threads pair that fits the cores, unless given. */
function instanceGrid(): Array<[number, number]> {
  if (args['instances-threads'])
    return (args['instances-threads'] as string)
      .split(',')
      .map((pair) => pair.split('x').map(Number) as [number, number]);
  const cores = availableParallelism();
  const pairs: Array<[number, number]> = [];
  for (let i = 1; i <= cores; i++) for (let t = 1; i * t <= cores; t++) pairs.push([i, t]);
  return pairs;
}

/** The repository, the served name and the config.json to write for `--model` (`wide`: written here first). */
function target(): { modelsDir: string; served: string; configPath: string } {
  if (args.model !== 'wide') {
    const modelsDir = resolve(args['models-dir'] as string);
    return {
      modelsDir,
      served: args.model as string,
      configPath: join(modelsDir, args.model as string, 'config.json'),
    };
  }
  const modelsDir = resolve(ROOT, 'tmp/tune/wide-models');
  rmSync(modelsDir, { recursive: true, force: true });
  const contract = parseModelConfig(JSON.parse(readFileSync(join(ROOT, 'models/mnist/config.json'), 'utf8')));
  writeWideModel(modelsDir, 'mnist', contract, { batching: contract.batching });
  return { modelsDir, served: 'mnist', configPath: join(modelsDir, 'mnist', 'config.json') };
}

async function measureSetting(
  load: LoadProcess,
  setting: TuneSetting,
  where: ReturnType<typeof target>,
  config: ModelConfig,
): Promise<SweepPoint> {
  const env = {
    MODELS_DIR: where.modelsDir,
    INSTANCES: String(setting.instances),
    THREADS_PER_INSTANCE: String(setting.threadsPerInstance),
    MAX_BATCH_SIZE: String(setting.maxBatchSize),
    MAX_QUEUE_DELAY_MICROS: String(setting.maxQueueDelayMicros),
  };
  const server = await startBenchServer({ root: ROOT, model: where.served, env });
  const timing = {
    warmupSeconds: Number(args.warmup),
    seconds: Number(args.seconds),
    instances: setting.instances,
    model: where.served,
  };
  const run = async (traffic: 'single' | 'bulk-compact' | 'bulk-json', clients: number): Promise<TrafficResult> => {
    const bodies = bodiesFor(where.served, config, traffic, { bulkRows: Number(args['bulk-rows']) });
    const point = await measureServing(load, server, {
      ...timing,
      bodies: bodies.bodies,
      rowsPerRequest: bodies.rowsPerRequest,
      mode: { kind: 'closed', clients },
    });
    return { rowsPerSecond: point.predictionsPerSecond, p99Ms: point.latency.p99, failed: point.failed };
  };
  try {
    const single = await run('single', Number(args.clients));
    const bulk = await run(ColumnCodec.supports(config) ? 'bulk-compact' : 'bulk-json', Number(args['bulk-clients']));
    return { setting, single, bulk };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (!args['no-build']) buildApi(ROOT);
  const where = target();
  const config = parseModelConfig(JSON.parse(readFileSync(where.configPath, 'utf8')));
  const p99Ms = Number(args['p99-ms']);
  const budgetMs = Number(args['budget-s']) * 1000;
  const settings: TuneSetting[] = [];
  for (const [instances, threadsPerInstance] of instanceGrid()) {
    for (const maxBatchSize of (args['max-batch'] as string).split(',').map(Number)) {
      for (const maxQueueDelayMicros of (args['delay-us'] as string).split(',').map(Number))
        settings.push({ instances, threadsPerInstance, maxBatchSize, maxQueueDelayMicros });
    }
  }
  const perSetting = START_SECONDS + 2 * (Number(args.warmup) + Number(args.seconds));
  console.log(
    `tuning ${args.model} (${settings.length} settings, about ${perSetting} s each, budget ${args['budget-s']} s, single-row p99 budget ${p99Ms} ms)`,
  );
  const points: SweepPoint[] = [];
  const started = performance.now();
  const load = startLoadProcess();
  try {
    for (const [i, setting] of settings.entries()) {
      const elapsed = performance.now() - started;
      if (elapsed + perSetting * 1000 > budgetMs) {
        console.log(
          `budget spent after ${(elapsed / 1000).toFixed(0)} s: ${settings.length - i} setting(s) not measured`,
        );
        for (const rest of settings.slice(i)) points.push({ setting: rest });
        break;
      }
      const point = await measureSetting(load, setting, where, config);
      points.push(point);
      const eta = ((performance.now() - started) / (i + 1)) * (settings.length - i - 1);
      const s = point.single as TrafficResult;
      const b = point.bulk as TrafficResult;
      console.log(
        `[${i + 1}/${settings.length}] ${describeSetting(setting)}: single ${s.rowsPerSecond.toFixed(0)} rows/s p99 ${s.p99Ms.toFixed(1)} ms; bulk ${b.rowsPerSecond.toFixed(0)} rows/s p99 ${b.p99Ms.toFixed(1)} ms (about ${(eta / 1000).toFixed(0)} s left)`,
      );
    }
  } finally {
    await load.close();
  }
  const pick = recommend(points, p99Ms);
  const lines = [
    `\`npm run tune -- ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString()}, ${availableParallelism()} cores; single rows from ${args.clients} clients, bulk ${args['bulk-rows']} rows from ${args['bulk-clients']}; ${args.seconds} s per point after ${args.warmup} s of warm-up.`,
    '',
    renderSweep(points, pick?.point),
    '',
    pick
      ? `Recommended: ${describeSetting(pick.point.setting)} (${pick.reason}; ${(pick.score * 100).toFixed(0)}% of the sweep's best throughput).`
      : 'No setting was measured: raise --budget-s.',
  ];
  const text = lines.join('\n');
  console.log(`\n${text}`);
  const out = resolve(ROOT, (args.out as string | undefined) ?? `tmp/tune/${args.model}`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.md`, `${text}\n`);
  writeFileSync(
    `${out}.json`,
    `${JSON.stringify({ model: args.model, p99Ms, points, recommendation: pick }, null, 2)}\n`,
  );
  console.log(`wrote ${out}.{md,json}`);
  if (args.write && pick && !pick.withinBudget)
    console.log(`not written: no setting kept single-row p99 within ${p99Ms} ms (raise --p99-ms to accept one)`);
  if (args.write && pick?.withinBudget) {
    const json = JSON.parse(readFileSync(where.configPath, 'utf8')) as Record<string, unknown>;
    const next = applySetting(json, pick.point.setting);
    parseModelConfig(next);
    writeFileSync(where.configPath, `${JSON.stringify(next, null, 2)}\n`);
    console.log(`wrote the recommendation into ${where.configPath}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
