import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceError } from './errors.js';
import { ModelRepository, type ModelEntry } from './model-repository.js';
import { silentLogger } from './observability.js';
import type { Prediction } from './predictions.js';
import { seededRandom } from './seeded-random.test.js';
import { killWorker, untilQueue } from './testing.js';

/** True where onnxruntime-node was installed with its CUDA provider. */
const cudaInstalled = existsSync(
  join(
    dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
    'libonnxruntime_providers_cuda.so',
  ),
);

/** The committed default models. */
const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));

/** A scratch copy of the default models that a test may break. */
async function scratchRepository(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'models-'));
  await cp(MODELS, root, { recursive: true });
  return root;
}

const random = seededRandom(7);
const irisItems = Array.from({ length: 40 }, () => ({
  sepalLength: 4 + random() * 4,
  sepalWidth: 2 + random() * 2.5,
  petalLength: 1 + random() * 6,
  petalWidth: random() * 2.5,
}));
const mnistItems = Array.from({ length: 24 }, () => ({
  pixels: Array.from({ length: 784 }, () => (random() < 0.8 ? 0 : random())),
}));

function probabilities(results: Array<Prediction | InferenceError>): number[][] {
  return results.map((result) => {
    if (result instanceof Error) throw result;
    return result.probabilities as number[];
  });
}

describe('ModelRepository with the default models', () => {
  let repository: ModelRepository;

  beforeAll(async () => {
    repository = await ModelRepository.open({ root: MODELS });
    await repository.ready();
  });
  afterAll(() => repository.close());

  test('loads every default model, newest version first, ready to serve', () => {
    const entries = repository.list();
    expect(entries.map((e) => e.name)).toEqual(['iris', 'mnist']);
    expect(entries.map((e) => e.versions.map((v) => v.state.phase))).toEqual([['ready'], ['ready']]);
    expect(repository.allReady).toBe(true);
    const mnist = repository.get('mnist');
    expect(mnist.signature.inputs[0]).toMatchObject({ name: 'pixels', type: 'float32', shape: ['batch', 784] });
    expect(mnist.executionProvider.provider).toBe('cpu');
  });

  test.each([
    ['iris', irisItems],
    ['mnist', mnistItems],
  ])('%s: batched results equal row-by-row results within 1e-5', async (name, items) => {
    const model = repository.get(name);
    const batched = probabilities(await model.predict(items));
    const single: number[][] = [];
    for (const item of items) single.push(...probabilities(await model.predict([item])));
    expect(batched.length).toBe(items.length);
    batched.forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - single[i][k])).toBeLessThan(1e-5)));
    // The results are real predictions: probabilities that sum to one.
    for (const row of batched) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  test('concurrent submitters each get their own rows back', async () => {
    const model = repository.get('iris');
    const expected = probabilities(await model.predict(irisItems));
    const concurrent = await Promise.all(irisItems.map((item) => model.predict([item])));
    concurrent.forEach((result, i) => expect(probabilities(result)[0]).toEqual(expected[i]));
  });

  test('a bad item fails alone inside a batch of good ones', async () => {
    const results = await repository
      .get('iris')
      .predict([irisItems[0], { ...irisItems[1], petalWidth: -3 }, irisItems[2]]);
    expect(results[0]).not.toBeInstanceOf(Error);
    expect((results[1] as InferenceError).message).toBe(
      'Invalid input at item 1, field petalWidth: must be ≥ 0, got -3',
    );
    expect(results[2]).not.toBeInstanceOf(Error);
  });

  test('unknown models and versions are MODEL_NOT_FOUND', () => {
    expect(() => repository.get('nope')).toThrow(
      new InferenceError('MODEL_NOT_FOUND', 'Model nope not found: known models are iris, mnist', { model: 'nope' }),
    );
    expect(() => repository.get('iris', 9)).toThrow(
      new InferenceError('MODEL_NOT_FOUND', 'Model iris not found: it has no version 9; its versions are 1', {
        model: 'iris',
        version: 9,
      }),
    );
  });

  test('the event loop keeps ticking while a long batch runs in a worker', async () => {
    const model = repository.get('mnist');
    // Many batches (several hundred ms of compute, under the queue limit of 20,000 rows) through the batcher.
    const rows = Array.from({ length: 256 * 75 }, (_, i) => mnistItems[i % mnistItems.length]);
    const ticks: number[] = [];
    const interval = setInterval(() => ticks.push(performance.now()), 1);
    const started = performance.now();
    const results = await model.predict(rows);
    const elapsed = performance.now() - started;
    clearInterval(interval);
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    expect(elapsed).toBeGreaterThan(200);
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
    // A blocked loop would show one gap as long as the whole run; a free one keeps ticking (the
    // bounds leave room for a busy 2-core machine, where the worker's threads compete with ours).
    expect(ticks.length).toBeGreaterThan(elapsed / 50);
    expect(Math.max(...gaps)).toBeLessThan(elapsed / 2);
  });
});

describe('ModelRepository with broken models', () => {
  let root: string;
  beforeEach(async () => {
    root = await scratchRepository();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function openAndSettle(): Promise<ModelRepository> {
    const repository = await ModelRepository.open({ root });
    await repository.ready();
    return repository;
  }

  test('a corrupt model file fails that model with a clear reason; the other serves', async () => {
    await writeFile(join(root, 'mnist', '1', 'model.onnx'), Buffer.from('this is not an onnx protobuf'));
    const repository = await openAndSettle();
    try {
      const mnist = repository.list().find((e) => e.name === 'mnist') as ModelEntry;
      expect(mnist.versions[0].state.phase).toBe('failed');
      expect(mnist.versions[0].state.phase === 'failed' && mnist.versions[0].state.reason).toMatch(
        /protobuf|parse|load/i,
      );
      expect(() => repository.get('mnist')).toThrow(/^Model mnist@1 is failed: /);
      expect(repository.allReady).toBe(false);
      const iris = await repository.get('iris').predict(irisItems.slice(0, 2));
      expect(iris.every((r) => !(r instanceof Error))).toBe(true);
    } finally {
      await repository.close();
    }
  });

  test('a contract that does not match the signature fails with the field named', async () => {
    const path = join(root, 'iris', 'config.json');
    const config = JSON.parse(await readFile(path, 'utf8'));
    config.inputs[0].fields.push({ name: 'stemLength', unit: 'cm', min: 0, max: 30 });
    await writeFile(path, JSON.stringify(config));
    const repository = await openAndSettle();
    try {
      const iris = repository.list().find((e) => e.name === 'iris') as ModelEntry;
      expect(iris.versions[0].state).toEqual({
        phase: 'failed',
        reason: 'contract mismatch: inputs[0].shape: the contract gives rows of [5] but input "features" takes [4]',
      });
      const mnist = await repository.get('mnist').predict(mnistItems.slice(0, 2));
      expect(mnist.every((r) => !(r instanceof Error))).toBe(true);
    } finally {
      await repository.close();
    }
  });

  test('a missing model file and an invalid config.json are reported, not thrown', async () => {
    await rm(join(root, 'mnist', '1', 'model.onnx'));
    await writeFile(join(root, 'iris', 'config.json'), '{"description": "x"}');
    const repository = await openAndSettle();
    try {
      const states = Object.fromEntries(repository.list().map((e) => [e.name, e.versions[0].state]));
      expect(states.mnist).toEqual({ phase: 'failed', reason: 'missing mnist/1/model.onnx' });
      expect(states.iris).toEqual({ phase: 'failed', reason: 'config.json: task: is required' });
    } finally {
      await repository.close();
    }
  });

  test('a newer version folder serves by default; an older one on request', async () => {
    await cp(join(root, 'iris', '1'), join(root, 'iris', '2'), { recursive: true });
    const repository = await openAndSettle();
    try {
      expect(repository.list()[0].versions.map((v) => v.version)).toEqual([2, 1]);
      expect(repository.get('iris').version).toBe(2);
      expect(repository.get('iris', 1).version).toBe(1);
    } finally {
      await repository.close();
    }
  });

  test('a broken newest version leaves the older one the default, logged; asking for it names its failure', async () => {
    await cp(join(root, 'iris', '1'), join(root, 'iris', '2'), { recursive: true });
    await writeFile(join(root, 'iris', '2', 'model.onnx'), Buffer.from('this is not an onnx protobuf'));
    const warnings: Array<Record<string, unknown>> = [];
    const logger = { ...silentLogger, warn: (fields: object) => void warnings.push(fields as Record<string, unknown>) };
    const repository = await ModelRepository.open({ root, logger });
    await repository.ready();
    try {
      expect(repository.get('iris').version).toBe(1);
      expect(() => repository.get('iris', 2)).toThrow(/^Model iris@2 is failed: .*(protobuf|parse|load)/i);
      expect(warnings).toContainEqual({ model: 'iris', version: 2, defaultVersion: 1 });
    } finally {
      await repository.close();
    }
  });

  test('a worker killed mid-batch fails that batch, is replaced, and the model serves again', async () => {
    let onReplaced: () => void = () => undefined;
    const replaced = new Promise<void>((resolve) => (onReplaced = resolve));
    const info = (_fields: object, message: string) => void (message === 'session worker replaced' && onReplaced());
    const repository = await ModelRepository.open({ root, logger: { ...silentLogger, info } });
    await repository.ready();
    try {
      const mnist = repository.get('mnist');
      const rows = Array.from({ length: 256 * 8 }, (_, i) => mnistItems[i % mnistItems.length]);
      const running = mnist.predict(rows);
      // The first batch has left the queue for the worker.
      await untilQueue(mnist, 'a batch is dispatched', () => mnist.pendingRows < rows.length);
      await killWorker(mnist, 0);
      const results = await running;
      const failed = results.filter((r): r is InferenceError => r instanceof InferenceError);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed[0].code).toBe('INTERNAL_SERVER_ERROR');
      expect((failed[0].cause as Error).message).toMatch(/session worker 0 exited with code \d+ while running a batch/);
      // The replacement comes up and serves; nothing hangs.
      await replaced;
      const after = await mnist.predict(mnistItems.slice(0, 4));
      expect(after.every((r) => !(r instanceof Error))).toBe(true);
    } finally {
      await repository.close();
    }
  });

  // On a host where the CUDA provider is installed (ONNXRUNTIME_NODE_INSTALL=cuda12) it would start.
  test.skipIf(cudaInstalled)(
    'a CUDA provider that cannot start falls back to CPU only when the contract allows it, and says why',
    async () => {
      const setProviders = async (name: string, allowCpuFallback: boolean) => {
        const path = join(root, name, 'config.json');
        const config = JSON.parse(await readFile(path, 'utf8'));
        await writeFile(path, JSON.stringify({ ...config, executionProviders: ['cuda', 'cpu'], allowCpuFallback }));
      };
      await setProviders('iris', true);
      await setProviders('mnist', false);
      const warnings: Array<Record<string, unknown>> = [];
      const logger = {
        info: () => undefined,
        error: () => undefined,
        warn: (fields: object) => warnings.push(fields as Record<string, unknown>),
      };
      const repository = await ModelRepository.open({ root, logger });
      await repository.ready();
      try {
        const iris = repository.get('iris');
        expect(iris.executionProvider.provider).toBe('cpu');
        expect(iris.executionProvider.fallbackReason).toMatch(/cuda/i);
        expect(warnings).toContainEqual(
          expect.objectContaining({ model: 'iris', reason: iris.executionProvider.fallbackReason }),
        );
        expect((await iris.predict(irisItems.slice(0, 1)))[0]).not.toBeInstanceOf(Error);

        const mnist = repository.list().find((e) => e.name === 'mnist') as ModelEntry;
        expect(mnist.versions[0].state.phase).toBe('failed');
        expect(mnist.versions[0].state.phase === 'failed' && mnist.versions[0].state.reason).toMatch(/cuda/i);
      } finally {
        await repository.close();
      }
    },
  );
});
