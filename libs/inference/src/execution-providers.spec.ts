import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadedModel } from './loaded-model.js';
import { parseModelConfig, type ExecutionProvider } from './model-config.js';

const IRIS = fileURLToPath(new URL('../../../models/iris', import.meta.url));
const ortBin = join(
  dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
  '..',
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
);
/** GPU providers start only with their libraries (CUDA's download, a Vulkan driver for WebGPU). */
const gpuLibraries =
  existsSync(join(ortBin, 'libonnxruntime_providers_cuda.so')) ||
  ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some(existsSync);

function load(
  executionProviders: ExecutionProvider[],
  allowCpuFallback: boolean,
  warnings: object[] = [],
): Promise<LoadedModel> {
  const config = {
    ...parseModelConfig(JSON.parse(readFileSync(join(IRIS, 'config.json'), 'utf8'))),
    executionProviders,
    allowCpuFallback,
    warmup: { batchSizes: [1] },
  };
  const logger = { info: () => undefined, error: () => undefined, warn: (fields: object) => warnings.push(fields) };
  return LoadedModel.load({ name: 'iris', version: 1, modelPath: join(IRIS, '1', 'model.onnx'), config, logger });
}

describe.skipIf(gpuLibraries)('execution providers on a host without GPU libraries', () => {
  test('cuda, then webgpu, then cpu: each is tried in order, and the fallback is logged with every reason', async () => {
    const warnings: object[] = [];
    const model = await load(['cuda', 'webgpu', 'cpu'], true, warnings);
    try {
      const { provider, fallbackReason } = model.executionProvider;
      expect(provider).toBe('cpu');
      expect(fallbackReason).toMatch(/^cuda: .+; webgpu: .+$/s);
      expect(warnings).toContainEqual(expect.objectContaining({ model: 'iris', reason: fallbackReason }));
      expect(
        (await model.predict([{ sepalLength: 5, sepalWidth: 3, petalLength: 1.5, petalWidth: 0.2 }]))[0],
      ).not.toBeInstanceOf(Error);
    } finally {
      await model.close();
    }
  });

  test('webgpu alone falls back to cpu when allowed', async () => {
    const model = await load(['webgpu'], true);
    try {
      expect(model.executionProvider).toEqual({ provider: 'cpu', fallbackReason: expect.stringMatching(/^webgpu: /) });
    } finally {
      await model.close();
    }
  });

  test('without allowCpuFallback only the first provider is tried, and the load fails naming it', async () => {
    await expect(load(['webgpu', 'cpu'], false)).rejects.toThrow(
      /^no execution provider of \[webgpu, cpu\] could start \(allowCpuFallback is off\): webgpu: /,
    );
  });
});

test('a contract may name webgpu; an unknown provider is refused naming the field', () => {
  const base = JSON.parse(readFileSync(join(IRIS, 'config.json'), 'utf8'));
  expect(parseModelConfig({ ...base, executionProviders: ['webgpu', 'cpu'] }).executionProviders).toEqual([
    'webgpu',
    'cpu',
  ]);
  expect(() => parseModelConfig({ ...base, executionProviders: ['rocm'] })).toThrow(
    'executionProviders[0]: must be one of cpu, cuda, webgpu, tensorrt, got "rocm"',
  );
});
