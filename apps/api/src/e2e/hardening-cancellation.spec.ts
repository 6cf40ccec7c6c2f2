import { request as httpRequest } from 'node:http';
import { untilQueue } from '@mserve/inference/testing';
import { inferRows, scratchModels, startServer, type TestServer } from './harness.js';

/**
 * Cancellation: a client that goes away before its rows ran has them dropped from the queue
 * (counted as `inference_requests_total{outcome="CANCELLED"}`); they never run, and other clients'
 * requests, queued before and after, complete with correct answers.
 *
 * The model (one worker) is kept busy by a big request; the client under test queues CANCELLED_ROWS
 * rows behind it and disconnects. Batches take BATCH rows at a time and the busy request is a whole
 * number of batches, so the queue length modulo BATCH tells when the cancelled rows have been queued.
 */
const BATCH = 1024;
const CANCELLED_ROWS = 100;
const OUTPUTS =
  'query Out($model: String!, $inputs: [TensorInput!]!) { infer(model: $model, inputs: $inputs) { outputs { name shape values } } }';

describe('hardening: cancellation', () => {
  let api: TestServer;
  let models: Awaited<ReturnType<typeof scratchModels>>;
  const probe = { query: OUTPUTS, variables: inferRows('heavy', 8, { value: 0.25 }).variables };
  let expected: unknown;

  beforeAll(async () => {
    models = await scratchModels({
      heavy: { hidden: 2048, batching: { maxBatchSize: BATCH, maxQueueSize: 100_000, timeoutMs: 10_000 } },
    });
    api = await startServer({ modelsDir: models.root });
    expected = (await api.graphql(probe.query, probe.variables)).body.data;
    expect(expected).toMatchObject({ infer: { outputs: [{ name: 'probabilities', shape: [8, 3] }] } });
  });
  afterAll(async () => {
    await api?.close();
    await models?.dispose();
  });

  const counts = async () => ({
    cancelled: await api.metric('inference_requests_total', { model: 'heavy', outcome: 'CANCELLED' }),
    ran: await api.metric('inference_batch_size_sum', { model: 'heavy' }),
  });

  /** Sends the cancelled request and returns a function that disconnects it. */
  type Disconnecting = (body: string) => { disconnect(): void; settled: Promise<string> };
  const viaFetch: Disconnecting = (body) => {
    const controller = new AbortController();
    const settled = fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: controller.signal,
    }).then(
      (response) => `answered ${response.status}`,
      (error: Error) => error.name,
    );
    return { disconnect: () => controller.abort(), settled };
  };
  const viaRawSocket: Disconnecting = (body) => {
    const { port } = new URL(api.url);
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/graphql',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const settled = new Promise<string>((resolve) => {
      req.on('response', (response) => resolve(`answered ${response.statusCode}`));
      req.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? error.message));
    });
    req.end(body);
    return { disconnect: () => req.destroy(), settled };
  };

  test.each([
    ['fetch aborted with an AbortController', viaFetch, 'AbortError'],
    ['raw HTTP request whose socket is destroyed', viaRawSocket, 'ECONNRESET'],
  ] as const)(
    '%s: queued rows are dropped before they run; other clients are undisturbed',
    async (_name, send, clientSees) => {
      const before = await counts();
      const loggedCancelled = () =>
        api.logs.filter((l) => l.msg === 'graphql operation' && l.outcome === 'CANCELLED').length;
      const logged = loggedCancelled();
      const heavy = api.server.repository.get('heavy');
      const load = inferRows('heavy', 4 * BATCH);
      const busy = api.graphql(load.query, load.variables);
      await untilQueue(heavy, 'the busy request is queued', () => heavy.pendingRows > 0);

      const gone = inferRows('heavy', CANCELLED_ROWS);
      const cancelled = send(JSON.stringify(gone));
      await untilQueue(heavy, 'the cancelled rows are queued', () => heavy.pendingRows % BATCH === CANCELLED_ROWS);
      // Queued after the cancelled rows: must run, and run right, once they are dropped.
      const after = api.graphql(probe.query, probe.variables);
      await untilQueue(heavy, 'the next request is queued too', () => heavy.pendingRows % BATCH === CANCELLED_ROWS + 8);
      cancelled.disconnect();

      await untilQueue(
        heavy,
        'the server counted the cancelled rows',
        async () => (await counts()).cancelled - before.cancelled === CANCELLED_ROWS,
      );
      expect(await cancelled.settled).toBe(clientSees);
      const [busyResponse, afterResponse] = await Promise.all([busy, after]);
      expect(busyResponse.body.errors).toBeUndefined();
      expect(afterResponse.body).toEqual({ data: expected });

      const { cancelled: dropped, ran } = await counts();
      expect(dropped - before.cancelled).toBe(CANCELLED_ROWS);
      // Never ran: the rows that ran are the busy request's and the probe's, not one more.
      expect(ran - before.ran).toBe(4 * BATCH + 8);
      expect(heavy.pendingRows).toBe(0);
      // The abandoned operation is still logged, with its outcome.
      await api.untilLogged('the abandoned operation is logged', () => loggedCancelled() === logged + 1);
    },
  );
});
