import { inferRows, scratchModels, startServer, type GraphQLResponse, type TestServer } from './harness.js';

/**
 * Overload: offered 8× what the server can run, it refuses the excess at once with a retryable
 * OVERLOADED (and a Retry-After hint), runs what it accepted with bounded latency and bounded
 * memory, and serves normally again once the load stops.
 *
 * The model is the bottleneck on purpose: a synthetic wide MLP on one worker with one thread, whose
 * rows cost far more to run than to send (16 bytes each), so what turns the excess away is the
 * batcher's queue bound and not a saturated event loop. (With mnist, 3 KiB of input a row, the
 * HTTP layer saturates first on 2 cores.)
 */
const ROWS = 1024;
const QUEUE = 2 * ROWS;
const CAPACITY_MS = 1000;
const LOAD_MS = 2000;

interface Sample {
  ms: number;
  response: GraphQLResponse;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const round = (n: number) => Math.round(n * 10) / 10;

describe('hardening: overload', () => {
  let api: TestServer;
  let models: Awaited<ReturnType<typeof scratchModels>>;
  const request = inferRows('heavy', ROWS);
  const send = async (): Promise<Sample> => {
    const started = performance.now();
    const response = await api.graphql(request.query, request.variables);
    return { ms: performance.now() - started, response };
  };

  beforeAll(async () => {
    models = await scratchModels({
      heavy: { hidden: 2048, batching: { maxBatchSize: ROWS, maxQueueSize: 20_000, timeoutMs: 10_000 } },
    });
    // The queue bound comes from the server-wide override (MAX_QUEUE_SIZE), as an operator would set it.
    api = await startServer({ modelsDir: models.root, maxQueueSize: QUEUE });
  });
  afterAll(async () => {
    await api?.close();
    await models?.dispose();
  });

  test('at 8× capacity: excess refused at once with OVERLOADED + Retry-After, accepted rows all answered in bounded time, memory bounded, then normal service', async () => {
    // Capacity: two clients in a closed loop keep the one worker busy (one batch running, one
    // queued) without ever passing the queue bound.
    const baseline = await send();
    expect(baseline.response.status).toBe(200);
    const rssBefore = process.memoryUsage().rss;
    let completedRows = 0;
    const capacityEnd = performance.now() + CAPACITY_MS;
    const measureStart = performance.now();
    await Promise.all(
      [0, 1].map(async () => {
        while (performance.now() < capacityEnd) {
          const { response } = await send();
          expect(response.body.errors).toBeUndefined();
          completedRows += ROWS;
        }
      }),
    );
    const capacity = completedRows / ((performance.now() - measureStart) / 1000);

    // Offered load: an open loop at 8× capacity (arrivals do not wait for answers), for LOAD_MS.
    const offeredRowsPerSecond = 8 * capacity;
    const samples: Array<Promise<Sample>> = [];
    const loadStart = performance.now();
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - loadStart;
        const due = Math.floor(((Math.min(elapsed, LOAD_MS) / 1000) * offeredRowsPerSecond) / ROWS);
        while (samples.length < due) samples.push(send());
        if (elapsed >= LOAD_MS) resolve();
        else setTimeout(tick, 2);
      };
      tick();
    });
    const done = await Promise.all(samples);
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const accepted = done.filter((s) => s.response.status === 200 && s.response.body.errors === undefined);
    const refused = done.filter((s) => s.response.body.errors?.[0]?.extensions?.code === 'OVERLOADED');
    // Nothing else happened: every request was either answered in full or refused as overloaded.
    expect(accepted.length + refused.length).toBe(done.length);
    for (const { response } of accepted) {
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.infer).toEqual({ model: 'heavy', version: 1 });
    }
    // At 8× capacity seven eighths are excess; half is asked for because the capacity is measured in
    // one second beside the other test processes on two cores, so it can read well below what a
    // quieter host runs during the load. A server that queued the excess would refuse none.
    expect(refused.length).toBeGreaterThan(done.length / 2);
    for (const { response } of refused) {
      // Refused by the batcher, during execution: 200 with the field null (GraphQL-over-HTTP), and
      // the retry hint in the body and in Retry-After.
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ infer: null });
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({
        code: 'OVERLOADED',
        retryable: true,
        retryAfterSeconds: retryAfter,
      });
    }

    // Refusals are fast; accepted requests wait at most for the bounded queue ahead of them.
    const acceptedMs = accepted.map((s) => s.ms);
    const refusedMs = refused.map((s) => s.ms);
    const queueBoundMs = ((QUEUE + ROWS) / capacity) * 1000;
    expect(percentile(refusedMs, 95)).toBeLessThan(percentile(acceptedMs, 50));
    expect(percentile(acceptedMs, 99)).toBeLessThan(4 * queueBoundMs + 250);
    // The server kept doing useful work under load (no collapse). Refusals and the client share the
    // two cores with the worker, so goodput stays below the capacity measured without them.
    const goodput = (accepted.length * ROWS) / loadSeconds;
    expect(goodput).toBeGreaterThan(0.3 * capacity);

    // After the load: nothing queued, memory bounded, readiness and latency back to normal.
    expect(api.server.repository.get('heavy').pendingRows).toBe(0);
    const rssAfter = process.memoryUsage().rss;
    expect(rssAfter - rssBefore).toBeLessThan(256 * 1024 * 1024);
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
    const after = await send();
    expect(after.response.status).toBe(200);
    expect(after.ms).toBeLessThan(Math.max(4 * baseline.ms, 100));
    expect(await api.metric('inference_requests_total', { model: 'heavy', outcome: 'OVERLOADED' })).toBe(
      refused.length * ROWS,
    );

    console.log(
      JSON.stringify({
        hardening: 'overload',
        capacityRowsPerSecond: Math.round(capacity),
        offeredRowsPerSecond: Math.round(((done.length * ROWS) / LOAD_MS) * 1000),
        requests: done.length,
        rowsPerRequest: ROWS,
        accepted: accepted.length,
        refused: refused.length,
        goodputRowsPerSecond: Math.round(goodput),
        acceptedMs: { p50: round(percentile(acceptedMs, 50)), p99: round(percentile(acceptedMs, 99)) },
        refusedMs: { p50: round(percentile(refusedMs, 50)), p95: round(percentile(refusedMs, 95)) },
        rssMiB: { before: Math.round(rssBefore / 2 ** 20), after: Math.round(rssAfter / 2 ** 20) },
        afterMs: round(after.ms),
      }),
    );
  });
});
