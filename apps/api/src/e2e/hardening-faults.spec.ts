import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { inferRows, scratchModels, startServer, type TestServer } from './harness.js';
import { killWorker, untilQueue } from '@mserve/inference/testing';

/**
 * Faults at run time: a session worker that dies mid-batch, and one whose replacement cannot start.
 * The affected rows fail with a masked INTERNAL_SERVER_ERROR (the cause is logged with the request
 * id), nothing hangs, the worker is replaced, other models keep serving, and /readyz and `models`
 * tell the truth throughout. (Faults at load time — a corrupt or missing model file, a contract that
 * does not match the ONNX signature — are covered by readiness.spec.ts and model-repository.spec.ts.)
 */
const BATCH = 1024;
const IRIS = '{ iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) { label } }';

interface Readiness {
  status: string;
  models: Array<{
    name: string;
    versions: Array<{ version: number; state: string; workers?: number; serving?: boolean }>;
  }>;
}

describe('hardening: faults', () => {
  let api: TestServer;
  let models: Awaited<ReturnType<typeof scratchModels>>;

  beforeAll(async () => {
    models = await scratchModels(
      {
        heavy: { hidden: 2048, batching: { maxBatchSize: BATCH, maxQueueSize: 100_000, timeoutMs: 30_000 } },
        fragile: { hidden: 16, batching: { maxBatchSize: 64, maxQueueSize: 1000, timeoutMs: 30_000 } },
      },
      ['iris'],
    );
    api = await startServer({ modelsDir: models.root });
  });
  afterAll(async () => {
    await api?.close();
    await models?.dispose();
  });

  const readyz = async () => {
    const response = await fetch(`${api.url}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };
  const versionOf = (body: Readiness, name: string) => body.models.find((m) => m.name === name)?.versions[0];

  test('a worker killed mid-batch: that batch fails masked and logged, queued rows wait for the replacement and run, other models serve', async () => {
    const heavy = api.server.repository.get('heavy');
    const load = inferRows('heavy', BATCH);
    const sent = [1, 2, 3, 4].map((n) => api.graphql(load.query, load.variables, { 'x-request-id': `fault-${n}` }));
    // One batch running (the first request's), three queued.
    await untilQueue(heavy, 'three batches are queued', () => heavy.pendingRows === 3 * BATCH);
    await killWorker(heavy, 0);

    // During the replacement: still ready (queued rows will run), with no live worker, and the
    // queued rows visible; other models serve.
    const during = await readyz();
    expect(during.status).toBe(200);
    expect(versionOf(during.body, 'heavy')).toMatchObject({ state: 'ready', workers: 0, serving: true });
    const info = await api.graphql('{ model(name: "heavy") { state versions { state pendingRows } } }');
    // The next batch has been handed to the pool, where it waits for the replacement; two wait behind it.
    expect(info.body.data?.model).toEqual({ state: 'READY', versions: [{ state: 'READY', pendingRows: 2 * BATCH }] });
    expect((await api.graphql(IRIS)).body).toEqual({ data: { iris: { label: 'setosa' } } });

    const [killed, ...rest] = await Promise.all(sent);
    expect(killed.status).toBe(200);
    expect(killed.body).toEqual({
      data: { infer: null },
      errors: [
        {
          message: 'Internal server error',
          path: ['infer'],
          locations: [{ line: 1, column: 58 }],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ],
    });
    for (const response of rest) expect(response.body).toEqual({ data: { infer: { model: 'heavy', version: 1 } } });

    // The cause is in the log, with the request id; the replacement is logged and counted.
    expect(api.logs).toContainEqual(
      expect.objectContaining({
        msg: 'internal error',
        requestId: 'fault-1',
        err: expect.objectContaining({ message: 'session worker 0 exited with code 1 while running a batch' }),
      }),
    );
    expect(api.logs).toContainEqual(
      expect.objectContaining({ msg: 'session worker exited; replacing it', model: 'heavy', hadBatch: true }),
    );
    expect(api.logs).toContainEqual(expect.objectContaining({ msg: 'session worker replaced', model: 'heavy' }));
    expect(await api.metric('inference_worker_restarts_total', { model: 'heavy' })).toBe(1);
    const after = await readyz();
    expect(after.status).toBe(200);
    expect(versionOf(after.body, 'heavy')).toMatchObject({ state: 'ready', workers: 1, serving: true });
  });

  test('a worker whose replacement cannot start: its rows fail at once instead of hanging, and /readyz says so', async () => {
    const fragile = api.server.repository.get('fragile');
    const small = inferRows('fragile', 2);
    expect((await api.graphql(small.query, small.variables)).body.errors).toBeUndefined();

    // The model file disappears from disk after load, then the worker dies: it cannot be replaced.
    await rm(join(models.root, 'fragile', '1', 'model.onnx'));
    await killWorker(fragile, 0);
    // Sent while the replacement is being tried: waits for it, then fails when it cannot start.
    const waiting = api.graphql(small.query, small.variables, { 'x-request-id': 'fault-waiting' });
    await api.untilLogged('the replacement has failed', (logs) =>
      logs.some((l) => l.msg === 'session worker could not be replaced' && l.model === 'fragile'),
    );
    const waited = await waiting;
    expect(waited.status).toBe(200);
    expect(waited.body.errors?.[0]).toEqual(
      expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    );
    expect(api.logs).toContainEqual(
      expect.objectContaining({
        msg: 'internal error',
        requestId: 'fault-waiting',
        err: expect.objectContaining({ message: expect.stringMatching(/^no session worker is left: /) }),
      }),
    );

    // Later rows fail at once; readiness tells the truth; the other models serve on.
    const started = performance.now();
    const later = await api.graphql(small.query, small.variables);
    expect(later.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(versionOf(ready.body, 'fragile')).toMatchObject({ state: 'ready', workers: 0, serving: false });
    expect(versionOf(ready.body, 'heavy')).toMatchObject({ serving: true });
    expect((await api.graphql(IRIS)).body).toEqual({ data: { iris: { label: 'setosa' } } });
  });
});
