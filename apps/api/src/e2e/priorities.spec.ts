import { untilQueue } from '@mserve/inference/testing';
import { inferRows, scratchModels, startServer, type TestServer } from './harness.js';

/**
 * Priorities over HTTP: with the one worker busy and bulk low-priority rows queued, a request sent
 * with `x-priority: high` runs in the next batch, ahead of the low rows queued before it; the same
 * request at the default level waits behind them. The model is a synthetic wide MLP on one worker
 * and one thread, so a batch takes long enough for the queue to be seen.
 */
const BULK = 128;

describe('priorities over HTTP', () => {
  let api: TestServer;
  let models: Awaited<ReturnType<typeof scratchModels>>;

  beforeAll(async () => {
    models = await scratchModels({
      heavy: { hidden: 2048, batching: { maxBatchSize: BULK, maxQueueSize: 20_000, timeoutMs: 60_000 } },
    });
    api = await startServer({ modelsDir: models.root });
  });
  afterAll(async () => {
    await api?.close();
    await models?.dispose();
  });

  /** Keeps the worker busy, queues 4 bulk requests at `bulkPriority`, then sends one row at `priority`: the order they finish in. */
  async function race(bulkPriority: string | undefined, priority: string | undefined): Promise<string[]> {
    const finished: string[] = [];
    const send = (name: string, rows: number, level: string | undefined) => {
      const { query, variables } = inferRows('heavy', rows);
      return api.graphql(query, variables, level ? { 'x-priority': level } : {}).then((response) => {
        expect(response.status).toBe(200);
        expect(response.body.errors).toBeUndefined();
        finished.push(name);
      });
    };
    const sent = [send('blocker', BULK, undefined)];
    for (let i = 0; i < 4; i++) sent.push(send(`bulk${i}`, BULK, bulkPriority));
    // Wait until three requests' rows (bulk ones, or the blocker if a bulk request overtook it on
    // the way in) are queued behind whatever runs now: checked on each change of the queue, so a
    // moment when it holds is not missed.
    const heavy = api.server.repository.get('heavy');
    await untilQueue(heavy, 'three bulk requests are queued', () => heavy.pendingRows >= 3 * BULK);
    sent.push(send('single', 1, priority));
    await Promise.all(sent);
    return finished;
  }

  test('high-priority rows overtake queued low-priority ones; at the same level they wait their turn', async () => {
    const fifo = await race(undefined, undefined);
    expect(fifo.at(-1)).toBe('single');

    const before = await api.metric('inference_priority_rows_total', {
      model: 'heavy',
      priority: 'high',
      outcome: 'ok',
    });
    const prioritized = await race('low', 'high');
    // At most one bulk batch can have started before the high row was queued.
    expect(prioritized.indexOf('single')).toBeLessThanOrEqual(2);
    expect(prioritized.slice(prioritized.indexOf('single') + 1).length).toBeGreaterThanOrEqual(3);
    expect(
      (await api.metric('inference_priority_rows_total', { model: 'heavy', priority: 'high', outcome: 'ok' })) - before,
    ).toBe(1);
    expect(await api.metric('inference_priority_rows_total', { model: 'heavy', priority: 'low', outcome: 'ok' })).toBe(
      4 * BULK,
    );
    expect(await api.metric('inference_priority_queue_seconds_count', { model: 'heavy', priority: 'high' })).toBe(1);
  });

  test('an x-priority that is not high, normal or low is a 400 naming the header; case does not matter', async () => {
    const { query, variables } = inferRows('heavy', 1);
    const bad = await api.graphql(query, variables, { 'x-priority': 'urgent' });
    expect(bad.status).toBe(400);
    expect(bad.body.data).toBeUndefined();
    expect(bad.body.errors?.[0]).toMatchObject({
      message: 'Header x-priority must be high, normal or low, got "urgent"',
      extensions: { code: 'BAD_REQUEST' },
    });
    const ok = await api.graphql(query, variables, { 'x-priority': 'High' });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
  });
});
