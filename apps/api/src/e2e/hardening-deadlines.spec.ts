import { untilQueue } from '@mserve/inference/testing';
import { inferRows, scratchModels, startServer, type GraphQLResponse, type TestServer } from './harness.js';

/**
 * Deadlines: each model has a default timeout (its contract's `batching.timeoutMs`); a request may
 * shorten it with the `x-timeout-ms` header, never lengthen it. A row whose deadline passes while it
 * waits in the queue never runs and fails with TIMEOUT, when its deadline passes (not when the model
 * gets round to it).
 *
 * Rows wait because the model is kept busy: one big request (`busy`) queues many rows on a model
 * with one worker, and the rows under test queue behind it. "Never ran" is read from the metrics:
 * the rows that ran (the sum of batch sizes) are exactly the rows that succeeded.
 */
const BATCH = 1024;
const MNIST_PIXELS = { tensor: 'pixels', width: 784 };

interface Timed {
  ms: number;
  finishedAt: number;
  response: GraphQLResponse;
}

describe('hardening: deadlines', () => {
  let api: TestServer;
  let models: Awaited<ReturnType<typeof scratchModels>>;

  beforeAll(async () => {
    models = await scratchModels(
      {
        heavy: { hidden: 2048, batching: { maxBatchSize: BATCH, maxQueueSize: 100_000, timeoutMs: 10_000 } },
        short: { hidden: 2048, batching: { maxBatchSize: BATCH, maxQueueSize: 100_000, timeoutMs: 100 } },
      },
      ['mnist'],
    );
    api = await startServer({ modelsDir: models.root });
  });
  afterAll(async () => {
    await api?.close();
    await models?.dispose();
  });

  const timed = async (
    request: { query: string; variables: Record<string, unknown> },
    headers: Record<string, string> = {},
  ): Promise<Timed> => {
    const started = performance.now();
    const response = await api.graphql(request.query, request.variables, headers);
    return { ms: performance.now() - started, finishedAt: performance.now(), response };
  };

  /** The rows each outcome settled with, and the rows that ran, for one model. */
  const counts = async (model: string) => ({
    ok: await api.metric('inference_requests_total', { model, outcome: 'ok' }),
    timeout: await api.metric('inference_requests_total', { model, outcome: 'TIMEOUT' }),
    ran: await api.metric('inference_batch_size_sum', { model }),
  });
  const delta = (before: Awaited<ReturnType<typeof counts>>, after: Awaited<ReturnType<typeof counts>>) => ({
    ok: after.ok - before.ok,
    timeout: after.timeout - before.timeout,
    ran: after.ran - before.ran,
  });

  /** Resolves once `model` has rows waiting: the busy request has reached its batcher. */
  const queued = async (model: string) => {
    const loaded = api.server.repository.get(model);
    await untilQueue(loaded, `${model} has rows waiting`, () => loaded.pendingRows > 0);
  };

  test('x-timeout-ms shortens the deadline: rows queued past it fail with TIMEOUT when it passes and never run', async () => {
    const before = await counts('heavy');
    const busy = timed(inferRows('heavy', 4 * BATCH));
    await queued('heavy');
    const late = await timed(inferRows('heavy', 8), { 'x-timeout-ms': '30' });
    const first = await busy;

    expect(first.response.body.errors).toBeUndefined();
    expect(late.response.status).toBe(200);
    expect(late.response.body.errors?.[0]).toMatchObject({
      message: 'Deadline of 30 ms passed before model heavy@1 ran the row',
      extensions: { code: 'TIMEOUT', retryable: true },
    });
    // Expired when its deadline passed, while the busy request was still running.
    expect(late.ms).toBeGreaterThanOrEqual(30);
    expect(late.finishedAt).toBeLessThan(first.finishedAt);
    // Never ran: every row that ran is one of the busy request's.
    expect(delta(before, await counts('heavy'))).toEqual({ ok: 4 * BATCH, timeout: 8, ran: 4 * BATCH });
  });

  test('the typed prediction fields take the same deadline (per-request DataLoader path)', async () => {
    const before = await counts('mnist');
    const busy = timed(inferRows('mnist', 3000, MNIST_PIXELS));
    await queued('mnist');
    const pixels = new Array(784).fill(0);
    const late = await timed(
      {
        query:
          'query M($p: [Float!]!) { a: mnist(input: { pixels: $p }) { label } b: mnist(input: { pixels: $p }) { label } }',
        variables: { p: pixels },
      },
      { 'x-timeout-ms': '5' },
    );
    const first = await busy;

    expect(first.response.body.errors).toBeUndefined();
    expect(late.response.status).toBe(200);
    expect(late.response.body.data).toEqual({ a: null, b: null });
    expect(late.response.body.errors?.map((e) => e.extensions?.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(delta(before, await counts('mnist'))).toEqual({ ok: 3000, timeout: 2, ran: 3000 });
  });

  test("the model's own timeout applies by default, and a longer x-timeout-ms cannot lengthen it", async () => {
    const before = await counts('short');
    // 8 batches of about 60 ms each (here) against a 100 ms deadline: the first rows run, the later expire.
    const all = await timed(inferRows('short', 8 * BATCH), { 'x-timeout-ms': '60000' });
    const { ok, timeout, ran } = delta(before, await counts('short'));

    expect(all.response.status).toBe(200);
    expect(all.response.body.errors?.[0]).toMatchObject({
      message: 'Deadline of 100 ms passed before model short@1 ran the row',
      extensions: { code: 'TIMEOUT' },
    });
    expect(ok).toBeGreaterThan(0);
    expect(timeout).toBeGreaterThan(0);
    expect(ok + timeout).toBe(8 * BATCH);
    expect(ran).toBe(ok);
  });

  test.each(['abc', '0', '-5', '1.5', '99999999999'])(
    'x-timeout-ms: %s is refused with 400 BAD_REQUEST',
    async (value) => {
      const response = await api.graphql('{ models { name } }', undefined, { 'x-timeout-ms': value });
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(response.body.errors?.[0]?.message).toMatch(/x-timeout-ms must be a whole number of milliseconds/);
    },
  );
});
