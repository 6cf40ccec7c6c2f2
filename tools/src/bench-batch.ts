/**
 * The latency-vs-throughput sweep of one model: for each batch size, how long one batch takes and
 * how many predictions per second that gives. Two columns, measured side by side in one run:
 * - `session`: onnxruntime's `run()` called directly on this thread (the model's own cost);
 * - `library`: the same rows through libs/inference (batcher → worker thread → session → split),
 *   which is what the API and the CLI pay.
 *
 *   npm run bench:batch -- --model mnist [--sizes 1,8,64,256,1024,2048] [--seconds 1] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelRepository, type Row } from '@mserve/inference';
import { allocate, assembleBatch, elementCount } from '@mserve/inference/tensors';
import * as ort from 'onnxruntime-node';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Point {
  batchSize: number;
  sessionMsPerBatch: number;
  sessionPredictionsPerSecond: number;
  libraryMsPerBatch: number;
  libraryPredictionsPerSecond: number;
}

/** Runs `once` repeatedly for about `seconds` (at least 3 times) and returns the median ms per call. */
async function time(once: () => Promise<unknown>, seconds: number): Promise<number> {
  await once();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (samples.length < 3 || performance.now() < end) {
    const start = performance.now();
    await once();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'mnist' },
      sizes: { type: 'string', default: '1,2,4,8,16,32,64,128,256,512,1024,2048' },
      seconds: { type: 'string', default: '1' },
      json: { type: 'string' },
      'models-dir': { type: 'string', default: join(ROOT, 'models') },
    },
  });
  const sizes = (values.sizes as string).split(',').map(Number);
  const seconds = Number(values.seconds);
  const name = values.model as string;
  const maxSize = Math.max(...sizes);

  const repository = await ModelRepository.open({
    root: values['models-dir'] as string,
    only: [name],
    overrides: (_n, config) => ({
      ...config,
      batching: {
        ...config.batching,
        maxBatchSize: maxSize,
        maxQueueSize: Math.max(config.batching.maxQueueSize, maxSize),
      },
      warmup: { batchSizes: [1] },
    }),
  });
  await repository.ready();
  const model = repository.get(name);
  const config = model.config;
  const threads = config.threadsPerInstance ?? 1;
  const modelPath = join(values['models-dir'] as string, name, String(model.version), 'model.onnx');
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });

  // Rows of random values inside each field's range, the same rows for both columns.
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const row = (): Row => ({
    key: '',
    tensors: Object.fromEntries(
      config.inputs.map((spec) => {
        const { shape: dims, dtype } = spec;
        const data = allocate(dtype, elementCount(dims)) as Float32Array;
        for (let i = 0; i < data.length; i++) data[i] = random();
        return [spec.tensor, { dtype, dims, data }];
      }),
    ),
  });
  const rows = Array.from({ length: maxSize }, row);

  const points: Point[] = [];
  console.log(`model ${name}@${model.version}, ${threads} intra-op thread(s), ~${seconds}s per point\n`);
  console.log('| batch | session ms/batch | session pred/s | library ms/batch | library pred/s |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const batchSize of sizes) {
    const batch = rows.slice(0, batchSize);
    const feeds = assembleBatch(batch);
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.dtype, t.data as Float32Array, t.dims)]),
    );
    const sessionMs = await time(() => session.run(ortFeeds), seconds);
    const libraryMs = await time(async () => {
      const results = await model.infer(batch);
      if (results.some((r) => r instanceof Error)) throw new Error('a benchmark row failed');
    }, seconds);
    const point: Point = {
      batchSize,
      sessionMsPerBatch: sessionMs,
      sessionPredictionsPerSecond: (batchSize / sessionMs) * 1000,
      libraryMsPerBatch: libraryMs,
      libraryPredictionsPerSecond: (batchSize / libraryMs) * 1000,
    };
    points.push(point);
    const f = (n: number, d = 3) => n.toFixed(d);
    console.log(
      `| ${batchSize} | ${f(sessionMs)} | ${f(point.sessionPredictionsPerSecond, 0)} | ${f(libraryMs)} | ${f(point.libraryPredictionsPerSecond, 0)} |`,
    );
  }
  await session.release();
  await repository.close();
  if (values.json) {
    await writeFile(
      values.json as string,
      `${JSON.stringify({ model: name, version: model.version, threads, seconds, points }, null, 2)}\n`,
    );
    console.log(`\nwrote ${values.json}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
