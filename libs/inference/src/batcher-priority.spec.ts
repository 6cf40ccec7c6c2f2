import { codeOf, flush, rows, setup } from './batcher-fakes.test.js';
import type { InferenceError } from './errors.js';
import type { Priority } from './priority-queues.js';

const ids = (batch: { rows: Array<{ id: number }> }) => batch.rows.map((row) => row.id);

describe('DynamicBatcher priorities', () => {
  test('fills each batch from the highest level first, arrival order within a level', async () => {
    const { model, batcher } = setup({ maxBatchSize: 4, lowPriorityMaxBatch: 4 });
    const busy = batcher.submit(rows(0));
    const low = batcher.submit(rows(1, 2), { priority: 'low' });
    const normal = batcher.submit(rows(3));
    const high = [batcher.submit(rows(4), { priority: 'high' }), batcher.submit(rows(5), { priority: 'high' })];
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[1])).toEqual([4, 5, 3, 1]);
    model.batches[1].finish();
    await flush();
    expect(ids(model.batches[2])).toEqual([2]);
    model.batches[2].finish();
    expect(await busy).toEqual([0]);
    expect(await Promise.all(high)).toEqual([[40], [50]]);
    expect(await normal).toEqual([30]);
    expect(await low).toEqual([10, 20]);
  });

  test('with one level in use the order is arrival order, as without priorities', async () => {
    const { model, batcher } = setup({ maxBatchSize: 3 });
    void batcher.submit(rows(0), { priority: 'low' });
    for (const id of [1, 2, 3, 4]) void batcher.submit(rows(id), { priority: 'low' });
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[1])).toEqual([1, 2, 3]);
  });

  test('each level has its own queue bound: a full low queue refuses low rows, not high ones', async () => {
    const { model, batcher } = setup({ maxQueueSize: 100, priorityQueueSizes: { low: 2 }, lowPriorityMaxBatch: 4 });
    void batcher.submit(rows(0));
    const low = batcher.submit(rows(1, 2), { priority: 'low' });
    const refused = await batcher.submit(rows(3), { priority: 'low' });
    expect(codeOf(refused[0])).toBe('OVERLOADED');
    expect((refused[0] as InferenceError).message).toBe(
      'Model test@1 is overloaded: 2 rows queued, limit 2; retry later',
    );
    const high = batcher.submit(rows(4, 5, 6), { priority: 'high' });
    const normal = batcher.submit(rows(7, 8, 9));
    expect(batcher.pendingRows).toBe(8);
    for (let i = 0; i < 3; i++) {
      model.batches[i].finish();
      await flush();
    }
    expect(await high).toEqual([40, 50, 60]);
    expect(await normal).toEqual([70, 80, 90]);
    expect(await low).toEqual([10, 20]);
  });

  test('no level starves: a low row rises one level per priorityAgingMs and then runs among fresh high rows', async () => {
    const { time, model, batcher } = setup({ maxBatchSize: 2, priorityAgingMs: 100 });
    void batcher.submit(rows(0), { priority: 'high' });
    const low = batcher.submit(rows(1000), { priority: 'low' });
    // High traffic that would fill every batch: two fresh high rows per 10 ms batch.
    let next = 1;
    let lowBatch = -1;
    for (let i = 0; lowBatch < 0 && i < 100; i++) {
      void batcher.submit(rows(next++), { priority: 'high' });
      void batcher.submit(rows(next++), { priority: 'high' });
      time.advance(10);
      model.batches[i].finish();
      await flush();
      if (ids(model.batches[i + 1]).includes(1000)) lowBatch = i + 1;
    }
    // It ranks as high after 2 × 100 ms, and is then older than every fresh high row.
    expect(lowBatch).toBe(20);
    model.batches[lowBatch].finish();
    expect(await low).toEqual([10000]);
  });

  test('without aging time passing, a saturating high level keeps a low row waiting', async () => {
    const { time, model, batcher } = setup({ maxBatchSize: 2, priorityAgingMs: 1_000_000 });
    void batcher.submit(rows(0), { priority: 'high' });
    void batcher.submit(rows(1000), { priority: 'low' });
    for (let i = 0, next = 1; i < 30; i++) {
      void batcher.submit(rows(next++), { priority: 'high' });
      void batcher.submit(rows(next++), { priority: 'high' });
      time.advance(10);
      model.batches[i].finish();
      await flush();
      expect(ids(model.batches[i + 1])).not.toContain(1000);
    }
  });

  test('a low row still expires at its deadline and a cancelled high row leaves its queue', async () => {
    const { time, model, batcher } = setup({ timeoutMs: 100 });
    void batcher.submit(rows(0));
    const low = batcher.submit(rows(1), { priority: 'low' });
    const gone = new AbortController();
    const high = batcher.submit(rows(2), { priority: 'high', signal: gone.signal });
    gone.abort();
    expect(codeOf((await high)[0])).toBe('CANCELLED');
    time.advance(100);
    expect(codeOf((await low)[0])).toBe('TIMEOUT');
    expect(batcher.pendingRows).toBe(0);
    model.batches[0].finish();
    await batcher.idle();
  });

  test('unmerged submissions (no dynamic batching) also run highest level first, one per batch', async () => {
    const { model, batcher } = setup({ mergeSubmissions: false, maxBatchSize: 8 });
    void batcher.submit(rows(0));
    void batcher.submit(rows(1, 2), { priority: 'low' });
    void batcher.submit(rows(3, 4), { priority: 'high' });
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[1])).toEqual([3, 4]);
    model.batches[1].finish();
    await flush();
    expect(ids(model.batches[2])).toEqual([1, 2]);
  });

  test('reports queue depth, waits and outcomes per level', async () => {
    const depths: Array<Record<Priority, number>> = [];
    const runs: Array<readonly Priority[]> = [];
    const settled: string[] = [];
    const { model, batcher } = setup({
      priorityQueueSizes: { high: 1 },
      observer: {
        queueDepth: (_rows, byPriority) => depths.push({ ...byPriority }),
        batchRun: (_rows, _waits, _seconds, priorities) => runs.push(priorities),
        rowsSettled: (outcome, count, priority) => settled.push(`${priority} ${outcome} ${count}`),
      },
    });
    void batcher.submit(rows(0));
    void batcher.submit(rows(1), { priority: 'low' });
    void batcher.submit(rows(2), { priority: 'high' });
    await batcher.submit(rows(3), { priority: 'high' });
    expect(depths.at(-1)).toEqual({ high: 1, normal: 0, low: 1 });
    model.batches[0].finish();
    await flush();
    model.batches[1].finish();
    await batcher.idle();
    expect(runs).toEqual([['normal'], ['high', 'low']]);
    expect(settled).toEqual(['high OVERLOADED 1', 'normal ok 1', 'high ok 1', 'low ok 1']);
    expect(depths.at(-1)).toEqual({ high: 0, normal: 0, low: 0 });
  });
  test('a batch that takes high rows takes at most lowPriorityMaxBatch lower rows; later batches are full', async () => {
    const { model, batcher } = setup({ maxBatchSize: 8, lowPriorityMaxBatch: 2 });
    void batcher.submit(rows(0), { priority: 'low' });
    const low = batcher.submit(rows(1, 2, 3, 4, 5, 6), { priority: 'low' });
    const high = batcher.submit(rows(7, 8), { priority: 'high' });
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[1])).toEqual([7, 8, 1, 2]);
    model.batches[1].finish();
    await flush();
    // No higher row waits now: the cap is idle and the batch takes every low row.
    expect(ids(model.batches[2])).toEqual([3, 4, 5, 6]);
    model.batches[2].finish();
    expect(await high).toEqual([70, 80]);
    expect(await low).toEqual([10, 20, 30, 40, 50, 60]);
  });

  test('by default the cap is an eighth of maxBatchSize, rounded up', async () => {
    const { model, batcher } = setup({ maxBatchSize: 16 });
    void batcher.submit(rows(0), { priority: 'low' });
    void batcher.submit(rows(1, 2, 3, 4, 5, 6), { priority: 'low' });
    void batcher.submit(rows(7), { priority: 'high' });
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[1])).toEqual([7, 1, 2]);
  });

  test('the cap bounds every level below the highest one waiting: normal and low under high, low under normal', async () => {
    const { model, batcher } = setup({ maxBatchSize: 8, lowPriorityMaxBatch: 1 });
    void batcher.submit(rows(0));
    void batcher.submit(rows(1, 2), { priority: 'low' });
    void batcher.submit(rows(3, 4, 5));
    void batcher.submit(rows(6), { priority: 'high' });
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[1])).toEqual([6, 3]);
    model.batches[1].finish();
    await flush();
    expect(ids(model.batches[2])).toEqual([4, 5, 1]);
    model.batches[2].finish();
    await flush();
    expect(ids(model.batches[3])).toEqual([2]);
  });

  test('a batch at its lower-row cap counts as full: it does not wait for maxQueueDelayMicros', async () => {
    const { model, batcher } = setup({ maxBatchSize: 8, lowPriorityMaxBatch: 1, maxQueueDelayMicros: 50_000 });
    void batcher.submit(rows(10, 11, 12, 13, 14, 15, 16, 17));
    void batcher.submit(rows(1, 2), { priority: 'low' });
    void batcher.submit(rows(3), { priority: 'high' });
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[1])).toEqual([3, 1]);
  });

  test('no level starves under the cap: an aged low row still runs among saturating high rows', async () => {
    const { time, model, batcher } = setup({ maxBatchSize: 2, lowPriorityMaxBatch: 1, priorityAgingMs: 100 });
    void batcher.submit(rows(0), { priority: 'high' });
    const low = batcher.submit(rows(1000), { priority: 'low' });
    let next = 1;
    let lowBatch = -1;
    for (let i = 0; lowBatch < 0 && i < 100; i++) {
      void batcher.submit(rows(next++), { priority: 'high' });
      void batcher.submit(rows(next++), { priority: 'high' });
      time.advance(10);
      model.batches[i].finish();
      await flush();
      if (ids(model.batches[i + 1]).includes(1000)) lowBatch = i + 1;
    }
    expect(lowBatch).toBe(20);
    model.batches[lowBatch].finish();
    expect(await low).toEqual([10000]);
  });

  test('the next batch is dispatched before the ended batch settles its rows', async () => {
    const { model, batcher } = setup({ maxBatchSize: 1 });
    let dispatchedWhenSettled = -1;
    const first = batcher.submit(rows(0)).then(() => (dispatchedWhenSettled = model.batches.length));
    void batcher.submit(rows(1), { priority: 'high' });
    model.batches[0].finish();
    await first;
    expect(dispatchedWhenSettled).toBe(2);
    expect(ids(model.batches[1])).toEqual([1]);
  });

  test('highPriorityInstances: lower batches leave those instances idle, high rows run there at once', async () => {
    const { model, batcher } = setup({ maxBatchSize: 2, instances: 2, highPriorityInstances: 1 });
    const low = [batcher.submit(rows(1, 2), { priority: 'low' }), batcher.submit(rows(3, 4), { priority: 'low' })];
    await flush();
    // One bulk batch runs; the second instance stays free though low rows wait.
    expect(model.batches.map(ids)).toEqual([[1, 2]]);
    const high = batcher.submit(rows(9), { priority: 'high' });
    await flush();
    expect(model.batches.map(ids)).toEqual([[1, 2], [9]]);
    model.batches[1].finish();
    expect(await high).toEqual([90]);
    // The kept instance is free again, and still takes no low batch; the bulk one takes the next.
    await flush();
    expect(model.batches).toHaveLength(2);
    model.batches[0].finish();
    await flush();
    expect(ids(model.batches[2])).toEqual([3, 4]);
    model.batches[2].finish();
    expect(await Promise.all(low)).toEqual([
      [10, 20],
      [30, 40],
    ]);
  });

  test('highPriorityInstances must leave an instance for the other levels', () => {
    expect(() => setup({ instances: 2, highPriorityInstances: 2 })).toThrow(
      'highPriorityInstances must be ≥ 0 and fewer than instances (2), got 2',
    );
  });
});
