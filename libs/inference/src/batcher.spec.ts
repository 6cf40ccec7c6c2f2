import { codeOf, flush, rows, setup } from './batcher-fakes.test.js';
import type { InferenceError } from './errors.js';

describe('DynamicBatcher', () => {
  test('dispatches at once to an idle instance, then coalesces everything that arrives while it is busy', async () => {
    const { model, batcher } = setup({ maxBatchSize: 100 });
    const first = batcher.submit(rows(1));
    expect(model.sizes).toEqual([1]);

    const later = [batcher.submit(rows(2)), batcher.submit(rows(3, 4)), batcher.submit(rows(5))];
    expect(model.sizes).toEqual([1]);
    expect(batcher.pendingRows).toBe(4);

    model.batches[0].finish();
    await flush();
    expect(model.sizes).toEqual([1, 4]);
    expect(model.batches[1].rows.map((row) => row.id)).toEqual([2, 3, 4, 5]);

    model.batches[1].finish();
    expect(await first).toEqual([10]);
    expect(await Promise.all(later)).toEqual([[20], [30, 40], [50]]);
  });

  test('splits at maxBatchSize rows, not requests', async () => {
    const { model, batcher } = setup({ maxBatchSize: 4, instances: 1 });
    const big = batcher.submit(rows(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    expect(model.sizes).toEqual([4]);
    for (let i = 0; i < 3; i++) {
      model.batches[i].finish();
      await flush();
    }
    expect(model.sizes).toEqual([4, 4, 2]);
    expect(await big).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  test('mergeSubmissions: false runs each submission as its own batches, never merged, never held by a queue delay', async () => {
    const { model, batcher } = setup({ maxBatchSize: 3, mergeSubmissions: false, maxQueueDelayMicros: 10_000 });
    const first = batcher.submit(rows(1));
    const later = [batcher.submit(rows(2)), batcher.submit(rows(3, 4, 5, 6)), batcher.submit(rows(7))];
    expect(model.sizes).toEqual([1]);
    for (let i = 0; i < 4; i++) {
      model.batches[i].finish();
      await flush();
    }
    model.batches[4].finish();
    expect(model.batches.map((batch) => batch.rows.map((row) => row.id))).toEqual([[1], [2], [3, 4, 5], [6], [7]]);
    expect(await first).toEqual([10]);
    expect(await Promise.all(later)).toEqual([[20], [30, 40, 50, 60], [70]]);
  });

  test('runs as many batches at once as there are instances', () => {
    const { model, batcher } = setup({ maxBatchSize: 2, instances: 3 });
    void batcher.submit(rows(1, 2, 3, 4, 5, 6, 7, 8));
    expect(model.sizes).toEqual([2, 2, 2]);
    expect(batcher.runningBatches).toBe(3);
    expect(batcher.pendingRows).toBe(2);
  });

  test('refuses a submission that would pass maxQueueSize, whole and at once, with OVERLOADED', async () => {
    const { model, batcher } = setup({ maxQueueSize: 3 });
    const running = batcher.submit(rows(1)); // runs; the queue is empty again
    const queued = batcher.submit(rows(2, 3));
    const refused = await batcher.submit(rows(4, 5));
    expect(refused.map(codeOf)).toEqual(['OVERLOADED', 'OVERLOADED']);
    expect((refused[0] as InferenceError).message).toBe(
      'Model test@1 is overloaded: 2 rows queued, limit 3; retry later',
    );
    expect((refused[0] as InferenceError).retryable).toBe(true);
    expect((refused[0] as InferenceError).details.retryAfterSeconds).toBe(1);
    const fits = batcher.submit(rows(6));
    expect(batcher.pendingRows).toBe(3);

    model.batches[0].finish();
    await flush();
    model.batches[1].finish();
    expect(await running).toEqual([10]);
    expect(await queued).toEqual([20, 30]);
    expect(await fits).toEqual([60]);
  });

  test('expires waiting rows at their deadline, without waiting for a free instance', async () => {
    const { time, model, batcher } = setup({ timeoutMs: 1000 });
    const running = batcher.submit(rows(1));
    const defaultDeadline = batcher.submit(rows(2));
    time.advance(200);
    const shortDeadline = batcher.submit(rows(3), { timeoutMs: 100 });
    const longerIgnored = batcher.submit(rows(4), { timeoutMs: 60_000 });

    time.advance(100); // t=300: row 3's deadline
    const short = await shortDeadline;
    expect(short.map(codeOf)).toEqual(['TIMEOUT']);
    expect((short[0] as InferenceError).message).toBe('Deadline of 100 ms passed before model test@1 ran the row');
    expect(batcher.pendingRows).toBe(2);

    time.advance(900); // t=1200: rows 2 (deadline 1000) and 4 (deadline 1200, capped to the default)
    expect((await defaultDeadline).map(codeOf)).toEqual(['TIMEOUT']);
    expect((await longerIgnored).map(codeOf)).toEqual(['TIMEOUT']);
    expect(batcher.pendingRows).toBe(0);

    // The row that was already running is not expired: its result arrives late but intact.
    model.batches[0].finish();
    expect(await running).toEqual([10]);
    expect(model.sizes).toEqual([1]);
  });

  test('abort drops only the aborted submission’s waiting rows', async () => {
    const { model, batcher } = setup({ maxBatchSize: 10 });
    const running = batcher.submit(rows(1));
    const controller = new AbortController();
    const aborted = batcher.submit(rows(2, 3), { signal: controller.signal });
    const kept = batcher.submit(rows(4));
    controller.abort();
    expect((await aborted).map(codeOf)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(batcher.pendingRows).toBe(1);

    model.batches[0].finish();
    await flush();
    expect(model.batches[1].rows.map((row) => row.id)).toEqual([4]);
    model.batches[1].finish();
    expect(await running).toEqual([10]);
    expect(await kept).toEqual([40]);

    const already = await batcher.submit(rows(5), { signal: AbortSignal.abort() });
    expect(already.map(codeOf)).toEqual(['CANCELLED']);
  });

  test('an Error at one index fails that row alone', async () => {
    const { model, batcher } = setup();
    const submitted = batcher.submit(rows(1, 2, 3));
    model.batches[0].finish([10, new Error('bad row'), 30]);
    const results = await submitted;
    expect(results[0]).toBe(10);
    expect(codeOf(results[1])).toBe('INTERNAL_SERVER_ERROR');
    expect(results[2]).toBe(30);
  });

  test('a failed batch fails each of its rows and nothing else', async () => {
    const { model, batcher } = setup({ maxBatchSize: 2 });
    const first = batcher.submit(rows(1, 2));
    const second = batcher.submit(rows(3));
    model.batches[0].fail(new Error('session crashed'));
    const failed = await first;
    expect(failed.map(codeOf)).toEqual(['INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR']);
    expect(((failed[0] as InferenceError).cause as Error).message).toBe('session crashed');

    await flush();
    model.batches[1].finish();
    expect(await second).toEqual([30]);
  });

  test('a result array of the wrong length fails every row of the batch', async () => {
    const { model, batcher } = setup();
    const submitted = batcher.submit(rows(1, 2));
    model.batches[0].finish([10]);
    const results = await submitted;
    expect(results.map(codeOf)).toEqual(['INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR']);
    expect(((results[0] as InferenceError).cause as Error).message).toBe(
      'model test@1 returned 1 results for a batch of 2 rows',
    );
  });

  test('an execute that throws synchronously fails its batch and the batcher goes on', async () => {
    let calls = 0;
    const { batcher } = setup({
      execute: (batch) => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return Promise.resolve(batch.map((row) => row.id));
      },
    });
    expect((await batcher.submit(rows(1))).map(codeOf)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(await batcher.submit(rows(2))).toEqual([2]);
  });

  test('rows with different shapes never share a batch', async () => {
    const { model, batcher } = setup({ maxBatchSize: 10 });
    const blocker = batcher.submit(rows(0));
    const mixed = batcher.submit([
      { id: 1, shape: 'a' },
      { id: 2, shape: 'b' },
      { id: 3, shape: 'a' },
      { id: 4, shape: 'b' },
    ]);
    model.batches[0].finish();
    await flush();
    expect(model.batches[1].rows.map((row) => row.id)).toEqual([1, 3]);
    model.batches[1].finish();
    await flush();
    expect(model.batches[2].rows.map((row) => row.id)).toEqual([2, 4]);
    model.batches[2].finish();
    expect(await blocker).toEqual([0]);
    expect(await mixed).toEqual([10, 20, 30, 40]);
  });

  test('results map back by offset when batches of concurrent submitters finish out of order', async () => {
    const { model, batcher } = setup({ maxBatchSize: 3, instances: 4 });
    const submitters = Array.from({ length: 6 }, (_, s) => batcher.submit(rows(s * 10 + 1, s * 10 + 2)));
    // Idle instances take the first four submissions at once; the other two wait and are split.
    expect(model.sizes).toEqual([2, 2, 2, 2]);
    // Always finish the newest unfinished batch first, so completion order is the reverse of dispatch.
    const finished = new Set<number>();
    while (finished.size < model.batches.length) {
      const newest = model.batches
        .map((_, i) => i)
        .filter((i) => !finished.has(i))
        .pop() as number;
      finished.add(newest);
      model.batches[newest].finish();
      await flush();
    }
    expect(model.sizes).toEqual([2, 2, 2, 2, 3, 1]);
    const results = await Promise.all(submitters);
    results.forEach((result, s) => expect(result).toEqual([(s * 10 + 1) * 10, (s * 10 + 2) * 10]));
  });

  test('maxQueueDelayMicros holds an under-full batch until its oldest row has waited that long', async () => {
    const { time, model, batcher } = setup({ maxBatchSize: 4, maxQueueDelayMicros: 2000 });
    const first = batcher.submit(rows(1));
    time.advance(1);
    const second = batcher.submit(rows(2));
    expect(model.sizes).toEqual([]);
    time.advance(0.999);
    expect(model.sizes).toEqual([]);
    time.advance(0.001); // the oldest row has waited 2 ms
    expect(model.sizes).toEqual([2]);
    model.batches[0].finish();
    expect(await first).toEqual([10]);
    expect(await second).toEqual([20]);
  });

  test('maxQueueDelayMicros does not hold a batch that is already full', () => {
    const { model, batcher } = setup({ maxBatchSize: 2, maxQueueDelayMicros: 5000 });
    void batcher.submit(rows(1));
    expect(model.sizes).toEqual([]);
    void batcher.submit(rows(2, 3));
    expect(model.sizes).toEqual([2]);
  });

  test('close() refuses new rows with SHUTTING_DOWN, drains queued ones, then resolves', async () => {
    const { model, batcher } = setup({ maxBatchSize: 1 });
    const a = batcher.submit(rows(1));
    const b = batcher.submit(rows(2));
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    expect((await batcher.submit(rows(3))).map(codeOf)).toEqual(['SHUTTING_DOWN']);
    model.batches[0].finish();
    await flush();
    expect(closed).toBe(false);
    model.batches[1].finish();
    await closing;
    expect(await a).toEqual([10]);
    expect(await b).toEqual([20]);
  });

  test('abandon() fails queued rows at once with SHUTTING_DOWN, lets the running batch finish, then resolves', async () => {
    const { model, batcher } = setup({ maxBatchSize: 1 });
    const running = batcher.submit(rows(1));
    const queued = batcher.submit(rows(2, 3));
    let idle = false;
    const abandoning = batcher.abandon().then(() => (idle = true));
    expect((await queued).map(codeOf)).toEqual(['SHUTTING_DOWN', 'SHUTTING_DOWN']);
    expect((await batcher.submit(rows(4))).map(codeOf)).toEqual(['SHUTTING_DOWN']);
    await flush();
    expect(idle).toBe(false);
    model.batches[0].finish();
    await abandoning;
    expect(await running).toEqual([10]);
    expect(model.sizes).toEqual([1]);
  });

  test('reports batch sizes, queue waits and outcomes to the observer', async () => {
    const events: string[] = [];
    const { time, model, batcher } = setup({
      maxBatchSize: 8,
      observer: {
        batchRun: (size, waits, compute) => events.push(`batch ${size} waits=${waits.join(',')} compute=${compute}`),
        rowsSettled: (outcome, count) => events.push(`${outcome} ${count}`),
      },
    });
    const first = batcher.submit(rows(1));
    const second = batcher.submit(rows(2, 3));
    time.advance(5);
    model.batches[0].finish();
    await first;
    await flush();
    time.advance(3);
    model.batches[1].finish([20, new Error('x')]);
    await second;
    expect(events).toEqual([
      'batch 1 waits=0 compute=0.005',
      'ok 1',
      'batch 2 waits=0.005,0.005 compute=0.003',
      'INTERNAL_SERVER_ERROR 1',
      'ok 1',
    ]);
  });

  test('leaves no timer behind once idle', async () => {
    const { time, model, batcher } = setup();
    const submitted = batcher.submit(rows(1, 2));
    expect(time.timerCount).toBe(1);
    model.batches[0].finish();
    await submitted;
    await flush();
    expect(time.timerCount).toBe(0);
    await batcher.idle();
  });
});
