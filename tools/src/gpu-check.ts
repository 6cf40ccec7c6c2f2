/**
 * Which execution providers load on this host, and what each does with batches: for every provider
 * onnxruntime-node knows (cpu, webgpu, cuda, tensorrt) it tries to create a session of the model on
 * that provider alone, and for each that loads it runs the batch sweep through the library (the
 * contract's worker-thread sessions with `executionProviders: [provider]` and no fallback, so a
 * figure is never CPU's under a GPU's name). Writes JSON and prints a markdown table.
 *
 *   npm run gpu:check [-- --model mnist|wide] [--sizes 1,8,64,256,1024] [--seconds 1] [--out tmp/gpu-check]
 *
 * A GPU host needs the provider's libraries before it has no network: CUDA's come with
 * `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci` (plus CUDA 12 and cuDNN on the host), WebGPU's with a
 * Vulkan driver (`libvulkan.so.1`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelRepository, parseModelConfig, type ModelConfig, type Row } from '@mserve/inference';
import * as ort from 'onnxruntime-node';
import { benchItems } from './bench-workload.js';
import { writeWideModel } from './synthetic-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type ExecutionProvider = NonNullable<ModelConfig['executionProviders']>[number];
const PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'webgpu', 'cuda', 'tensorrt'];

/** One provider: whether it loaded (and why not), and its sweep. */
export interface ProviderCheck {
  provider: ExecutionProvider;
  bundled: boolean;
  loaded: boolean;
  error?: string;
  sweep: Array<{ batchSize: number; msPerBatch: number; rowsPerSecond: number }>;
}

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mnist' },
    sizes: { type: 'string', default: '1,8,64,256,1024' },
    seconds: { type: 'string', default: '1' },
    out: { type: 'string', default: 'tmp/gpu-check' },
  },
});

/** The model's repository, served name, ONNX file and contract (`wide`: the compute-heavy model, written first). */
function modelFiles(): { root: string; name: string; path: string; config: ModelConfig } {
  let root = join(ROOT, 'models');
  let name = args.model as string;
  if (name === 'wide') {
    const mnist = parseModelConfig(JSON.parse(readFileSync(join(root, 'mnist/config.json'), 'utf8')));
    root = resolve(ROOT, 'tmp/gpu-check-models');
    name = 'mnist';
    writeWideModel(root, name, mnist, { batching: mnist.batching });
  }
  return {
    root,
    name,
    path: join(root, name, '1', 'model.onnx'),
    config: parseModelConfig(JSON.parse(readFileSync(join(root, name, 'config.json'), 'utf8'))),
  };
}

/** Median ms of `once` over about `seconds` (at least 3 calls, after one warm-up call). */
async function median(once: () => Promise<void>, seconds: number): Promise<number> {
  await once();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (samples.length < 3 || performance.now() < end) {
    const t = performance.now();
    await once();
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

async function check(
  provider: ExecutionProvider,
  bundled: boolean,
  files: ReturnType<typeof modelFiles>,
  sizes: number[],
): Promise<ProviderCheck> {
  try {
    const session = await ort.InferenceSession.create(files.path, { executionProviders: [provider] });
    await session.release();
  } catch (error) {
    // onnxruntime prefixes the reason with the failed check's source line; keep the reason.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const reason = message.includes(' was false. ') ? message.slice(message.indexOf(' was false. ') + 12) : message;
    return { provider, bundled, loaded: false, error: reason.slice(0, 300), sweep: [] };
  }
  const maxSize = Math.max(...sizes);
  const repository = await ModelRepository.open({
    root: files.root,
    only: [files.name],
    overrides: (_name, config) => ({
      ...config,
      executionProviders: [provider],
      allowCpuFallback: false,
      instances: 1,
      batching: { ...config.batching, maxBatchSize: maxSize, maxQueueSize: 4 * maxSize },
      warmup: { batchSizes: [1] },
    }),
  });
  await repository.ready();
  let model: ReturnType<ModelRepository['get']>;
  try {
    model = repository.get(files.name);
  } catch (error) {
    // The session loaded alone but not in the library's workers: say so rather than sweep CPU.
    await repository.close();
    return {
      provider,
      bundled,
      loaded: false,
      error: `loads alone but not as the model's worker session: ${error instanceof Error ? error.message : String(error)}`,
      sweep: [],
    };
  }
  const items = benchItems('mnist', files.config, maxSize);
  const sweep: ProviderCheck['sweep'] = [];
  try {
    for (const batchSize of sizes) {
      const ms = await median(async () => {
        // Rows move to the worker with their batch: encode afresh for each run.
        const results = await model.infer(model.encode(items.slice(0, batchSize)) as Row[]);
        if (results.some((r) => r instanceof Error)) throw new Error(`a ${provider} batch of ${batchSize} rows failed`);
      }, Number(args.seconds));
      sweep.push({ batchSize, msPerBatch: ms, rowsPerSecond: (batchSize / ms) * 1000 });
      console.log(
        `  ${provider} batch ${String(batchSize).padStart(5)}: ${ms.toFixed(3)} ms, ${((batchSize / ms) * 1000).toFixed(0)} rows/s`,
      );
    }
  } finally {
    await repository.close();
  }
  return { provider, bundled, loaded: true, sweep };
}

/** The checks as markdown: which providers loaded, then rows/s per batch size of each that did. */
export function renderChecks(checks: readonly ProviderCheck[]): string {
  const lines = ['| provider | bundled | loads | why not |', '|---|---|---|---|'];
  for (const c of checks)
    lines.push(
      `| ${c.provider} | ${c.bundled ? 'yes' : 'no'} | ${c.loaded ? 'yes' : 'no'} | ${c.error ? c.error.replaceAll('|', '\\|') : ''} |`,
    );
  const loaded = checks.filter((c) => c.loaded);
  if (loaded.length > 0) {
    lines.push(
      '',
      `| batch | ${loaded.map((c) => `${c.provider} ms/batch | ${c.provider} rows/s`).join(' | ')} |`,
      `|---:|${loaded.map(() => '---:|---:').join('|')}|`,
    );
    for (const [i, point] of loaded[0].sweep.entries()) {
      lines.push(
        `| ${point.batchSize} | ${loaded.map((c) => `${c.sweep[i].msPerBatch.toFixed(3)} | ${c.sweep[i].rowsPerSecond.toFixed(0)}`).join(' | ')} |`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const files = modelFiles();
  const sizes = (args.sizes as string).split(',').map(Number);
  const listed = new Map((ort.listSupportedBackends?.() ?? []).map((b) => [b.name, b.bundled]));
  console.log(
    `onnxruntime-node backends: ${[...listed].map(([name, bundled]) => `${name}${bundled ? '' : ' (not bundled)'}`).join(', ')}`,
  );
  const checks: ProviderCheck[] = [];
  for (const provider of PROVIDERS) {
    console.log(`${provider}: creating a session…`);
    checks.push(await check(provider, listed.get(provider) ?? false, files, sizes));
  }
  const out = resolve(ROOT, args.out as string);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    `${out}.json`,
    `${JSON.stringify({ at: new Date().toISOString(), model: args.model, node: process.version, checks }, null, 2)}\n`,
  );
  console.log(`\n${renderChecks(checks)}\n\nwrote ${out}.json`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
