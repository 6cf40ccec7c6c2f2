import { startServer, type TestServer } from './harness.js';
import { rest } from './rest-client.js';

const ROWS = 32;
const ROW = { sepalLength: 6.1, sepalWidth: 2.8, petalLength: 4.7, petalWidth: 1.2 };

describe('REST and GraphQL rows share the batchers', () => {
  let api: TestServer;
  beforeAll(async () => {
    // A batch is held until it is full or its oldest row has waited 2 s (under the 5 s timeout, warm-up included): rows of requests sent
    // together can only run apart if the protocols fed different batchers.
    api = await startServer({ models: ['iris'], maxBatchSize: ROWS, maxQueueDelayMicros: 2_000_000 });
  });
  afterAll(() => api.close());

  test('concurrent single-row requests over GraphQL (typed and infer), KServe v2 and TF Serving run as one execution', async () => {
    const executions = await api.metric('inference_executions_total', { model: 'iris' });
    const rows = await api.metric('inference_requests_total', { model: 'iris', outcome: 'ok' });
    const graphql = async () => {
      const answer = await api.graphql('query($row: IrisInput!) { iris(input: $row) { probabilities } }', { row: ROW });
      expect(answer.body.errors).toBeUndefined();
      return (answer.body.data?.iris as { probabilities: number[] }).probabilities;
    };
    const raw = async () => {
      const answer = await api.graphql(
        'query($v: [Float!]!) { infer(model: "iris", inputs: [{ name: "features", shape: [1, 4], values: $v }]) { outputs { values } } }',
        { v: Object.values(ROW) },
      );
      expect(answer.body.errors).toBeUndefined();
      return (answer.body.data?.infer as { outputs: Array<{ values: number[] }> }).outputs[0].values;
    };
    const kserve = async () => {
      const answer = await rest<{ outputs: Array<{ data: number[] }> }>(`${api.url}/v2/models/iris/infer`, {
        json: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: Object.values(ROW) }] },
        request: 'v2#inference_request',
        response: 'v2#inference_response',
      });
      return answer.body.outputs[0].data;
    };
    const tf = async () => {
      const answer = await rest<{ predictions: Array<{ probabilities: number[] }> }>(
        `${api.url}/v1/models/iris:predict`,
        {
          json: { instances: [ROW] },
          request: 'tf#predict_request',
          response: 'tf#predict_response',
        },
      );
      return answer.body.predictions[0].probabilities;
    };
    const answers = await Promise.all(Array.from({ length: ROWS }, (_, i) => [graphql, raw, kserve, tf][i % 4]()));

    expect(await api.metric('inference_requests_total', { model: 'iris', outcome: 'ok' })).toBe(rows + ROWS);
    expect(await api.metric('inference_executions_total', { model: 'iris' })).toBe(executions + 1);
    // The same row gives the same numbers whichever way it came (float32 outputs, read back as such).
    for (const answer of answers)
      expect(answer.map((p) => Math.fround(p))).toEqual(answers[0].map((p) => Math.fround(p)));
  });
});

describe('REST rows keep GraphQL’s deadlines and cancellation', () => {
  let api: TestServer;
  beforeAll(async () => {
    // Every batch waits 2 s for company: a row's deadline or its client's departure comes first.
    api = await startServer({ models: ['iris'], maxQueueDelayMicros: 2_000_000 });
  });
  afterAll(() => api.close());
  const v2Row = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: Object.values(ROW) }] };

  test('x-timeout-ms: a row still queued at its deadline fails with 504 TIMEOUT and never runs', async () => {
    const executions = await api.metric('inference_executions_total', { model: 'iris' });
    const v2 = await rest<{ error: string }>(`${api.url}/v2/models/iris/infer`, {
      json: v2Row,
      headers: { 'x-timeout-ms': '50' },
      response: 'v2#inference_response',
    });
    expect([v2.status, v2.body.error]).toEqual([
      504,
      'TIMEOUT: Deadline of 50 ms passed before model iris@1 ran the row',
    ]);
    const tf = await rest<{ error: string }>(`${api.url}/v1/models/iris:predict`, {
      json: { instances: [ROW] },
      headers: { 'x-timeout-ms': '50' },
      response: 'tf#predict_response',
    });
    expect([tf.status, tf.body.error]).toEqual([
      504,
      'TIMEOUT: Deadline of 50 ms passed before model iris@1 ran the row',
    ]);
    expect(await api.metric('inference_executions_total', { model: 'iris' })).toBe(executions);
  });

  test('x-priority: a bad value is a 400 naming the header, as over GraphQL', async () => {
    const v2 = await rest<{ error: string }>(`${api.url}/v2/models/iris/infer`, {
      json: v2Row,
      headers: { 'x-priority': 'urgent' },
      response: 'v2#inference_response',
    });
    expect([v2.status, v2.body.error]).toEqual([
      400,
      'BAD_REQUEST: Header x-priority must be high, normal or low, got "urgent"',
    ]);
    const tf = await rest<{ predictions: unknown[] }>(`${api.url}/v1/models/iris:predict`, {
      json: { instances: [ROW] },
      headers: { 'x-priority': 'low', 'x-timeout-ms': '10000' },
      response: 'tf#predict_response',
    });
    expect(tf.status).toBe(200);
  });

  test('a client that goes away has its queued row dropped (CANCELLED)', async () => {
    const cancelled = await api.metric('inference_requests_total', { model: 'iris', outcome: 'CANCELLED' });
    const controller = new AbortController();
    const request = fetch(`${api.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(v2Row),
      signal: controller.signal,
    }).catch(() => 'aborted');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (api.server.repository.get('iris').pendingRows > 0) resolve(clearInterval(check));
      }, 5);
    });
    controller.abort();
    expect(await request).toBe('aborted');
    await new Promise<void>((resolve) => {
      const check = setInterval(async () => {
        if ((await api.metric('inference_requests_total', { model: 'iris', outcome: 'CANCELLED' })) > cancelled)
          resolve(clearInterval(check));
      }, 20);
    });
    expect(api.server.repository.get('iris').pendingRows).toBe(0);
  });
});
