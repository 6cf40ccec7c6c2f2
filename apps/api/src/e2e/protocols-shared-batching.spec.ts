import { startServer, type TestServer } from './harness.js';
import { rest } from './rest-client.js';

const ROWS = 30;
const ROW = { sepalLength: 6.1, sepalWidth: 2.8, petalLength: 4.7, petalWidth: 1.2 };

describe('REST and GraphQL rows share the batchers', () => {
  let api: TestServer;
  beforeAll(async () => {
    // A batch is held until it is full or its oldest row has waited 2 s (under the 5 s timeout, warm-up included): rows of requests sent
    // together can only run apart if the protocols fed different batchers.
    api = await startServer({ models: ['iris'], maxBatchSize: ROWS, maxQueueDelayMicros: 2_000_000 });
  });
  afterAll(() => api.close());

  test('concurrent single-row requests over GraphQL, KServe v2 and TF Serving run as one execution', async () => {
    const executions = await api.metric('inference_executions_total', { model: 'iris' });
    const rows = await api.metric('inference_requests_total', { model: 'iris', outcome: 'ok' });
    const graphql = async () => {
      const answer = await api.graphql('query($row: IrisInput!) { iris(input: $row) { probabilities } }', { row: ROW });
      expect(answer.body.errors).toBeUndefined();
      return (answer.body.data?.iris as { probabilities: number[] }).probabilities;
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
      const answer = await rest<{ predictions: Array<{ probabilities: number[] }> }>(`${api.url}/v1/models/iris:predict`, {
        json: { instances: [ROW] },
        request: 'tf#predict_request',
        response: 'tf#predict_response',
      });
      return answer.body.predictions[0].probabilities;
    };
    const answers = await Promise.all(Array.from({ length: ROWS }, (_, i) => [graphql, kserve, tf][i % 3]()));

    expect(await api.metric('inference_requests_total', { model: 'iris', outcome: 'ok' })).toBe(rows + ROWS);
    expect(await api.metric('inference_executions_total', { model: 'iris' })).toBe(executions + 1);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });
});
