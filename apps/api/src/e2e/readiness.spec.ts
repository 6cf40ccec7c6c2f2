import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scratchModels, startServer, type TestServer } from './harness.js';

const IRIS = '{ iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) { label } }';

interface Readiness {
  status: string;
  models: Array<{ name: string; versions: Array<{ version: number; state: string; reason?: string }> }>;
}

async function readyz(api: TestServer): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${api.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

describe('/readyz and model state', () => {
  let root: string;
  let scratch: Awaited<ReturnType<typeof scratchModels>>;
  let api: TestServer | undefined;

  beforeEach(async () => {
    scratch = await scratchModels({}, ['iris', 'mnist']);
    root = scratch.root;
    // A long warm-up keeps mnist busy warming for a while after the server listens.
    const path = join(root, 'mnist', 'config.json');
    const config = JSON.parse(await readFile(path, 'utf8'));
    config.warmup = { batchSizes: Array.from({ length: 40 }, () => 256) };
    await writeFile(path, JSON.stringify(config));
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await scratch.dispose();
  });

  test('is 503 until every model is warmed, then 200', async () => {
    api = await startServer({ modelsDir: root }, { waitReady: false });
    const early = await readyz(api);
    expect(early.status).toBe(503);
    expect(early.body.models.find((m) => m.name === 'mnist')?.versions[0].state).toBe('loading');
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);

    await api.server.repository.ready();
    const late = await readyz(api);
    expect(late.status).toBe(200);
    expect(late.body.models.map((m) => m.versions[0].state)).toEqual(['ready', 'ready']);
  });

  test('names a failed model with its reason, and the others serve', async () => {
    await writeFile(join(root, 'iris', '1', 'model.onnx'), 'not a model');
    api = await startServer({ modelsDir: root });
    const { status, body } = await readyz(api);
    expect(status).toBe(503);
    const iris = body.models.find((m) => m.name === 'iris')?.versions[0];
    expect(iris?.state).toBe('failed');
    expect(iris?.reason).toMatch(/protobuf|parse|load/i);

    const asked = await api.graphql(IRIS);
    expect(asked.status).toBe(200);
    expect(asked.body.errors?.[0]).toMatchObject({ extensions: { code: 'MODEL_NOT_READY' } });
    expect(asked.body.errors?.[0].message).toMatch(/^Model iris@1 is failed: /);

    const info = await api.graphql('{ models { name state reason versions { version state } } }');
    expect(info.body.data?.models).toEqual([
      { name: 'iris', state: 'FAILED', reason: iris?.reason, versions: [{ version: 1, state: 'FAILED' }] },
      { name: 'mnist', state: 'READY', reason: null, versions: [{ version: 1, state: 'READY' }] },
    ]);
    const mnist = await api.graphql(
      `{ mnist(input: { pixels: [${new Array(784).fill(0).join(',')}] }) { classIndex } }`,
    );
    expect(mnist.status).toBe(200);
    expect(mnist.body.errors).toBeUndefined();
  });
});
