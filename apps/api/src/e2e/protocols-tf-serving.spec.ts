import { loadMnistSplit } from '@mserve/tools/datasets';
import { startServer, type TestServer } from './harness.js';
import { rest } from './rest-client.js';

interface Predicted {
  label: string;
  classIndex: number;
  confidence: number;
  probabilities: number[];
}
interface TfError {
  error: string;
  errors?: Array<{ index: number; field: string; message: string }>;
}

const SETOSA = { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
const VIRGINICA = { sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6.0, petalWidth: 2.5 };

describe('TF-Serving-style predict over HTTP', () => {
  let api: TestServer;
  const predict = <T>(path: string, json: unknown, extra: Parameters<typeof rest>[1] = {}) =>
    rest<T>(`${api.url}${path}`, { json, request: 'tf#predict_request', response: 'tf#predict_response', ...extra });
  beforeAll(async () => {
    api = await startServer({ bodyLimitBytes: 64 * 1024 });
  });
  afterAll(() => api.close());

  test('instances of the contract’s named fields answer predictions, post-processed as GraphQL’s', async () => {
    const answer = await predict<{ predictions: Predicted[] }>('/v1/models/iris:predict', {
      instances: [SETOSA, VIRGINICA],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.predictions.map((p) => [p.label, p.classIndex])).toEqual([
      ['setosa', 0],
      ['virginica', 2],
    ]);
    const gql = await api.graphql(
      'query($a: IrisInput!, $b: IrisInput!) { a: iris(input: $a) { label classIndex confidence probabilities } b: iris(input: $b) { label classIndex confidence probabilities } }',
      { a: SETOSA, b: VIRGINICA },
    );
    expect(answer.body.predictions).toEqual([gql.body.data?.a, gql.body.data?.b]);
    const pinned = await predict<{ predictions: Predicted[] }>('/v1/models/iris/versions/1:predict', {
      instances: [SETOSA],
    });
    expect(pinned.body.predictions).toEqual([answer.body.predictions[0]]);
  });

  test('columnar inputs answer columnar outputs; a one-field model takes a plain list', async () => {
    const columns = Object.fromEntries(
      Object.keys(SETOSA).map((k) => [k, [SETOSA[k as keyof typeof SETOSA], VIRGINICA[k as keyof typeof VIRGINICA]]]),
    );
    const answer = await predict<{ outputs: { label: string[]; classIndex: number[] } }>('/v1/models/iris:predict', {
      inputs: columns,
    });
    expect(answer.body.outputs.label).toEqual(['setosa', 'virginica']);
    const split = loadMnistSplit();
    const digits = [0, 1].map((i) => Array.from(split.test.x.subarray(i * 784, (i + 1) * 784)));
    const mnist = await predict<{ outputs: { classIndex: number[] } }>('/v1/models/mnist:predict', { inputs: digits });
    expect(mnist.body.outputs.classIndex).toEqual([split.test.y[0], split.test.y[1]]);
  });

  test('bad instances: 400 naming each by index and field, and nothing runs', async () => {
    const executions = await api.metric('inference_executions_total', { model: 'iris' });
    const { petalWidth: _, ...missing } = VIRGINICA;
    const answer = await predict<TfError>('/v1/models/iris:predict', {
      instances: [SETOSA, missing, { ...SETOSA, sepalWidth: -3 }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'BAD_USER_INPUT: Invalid input at item 1, field petalWidth: is required',
      errors: [
        { index: 1, field: 'petalWidth', message: 'Invalid input at item 1, field petalWidth: is required' },
        { index: 2, field: 'sepalWidth', message: 'Invalid input at item 2, field sepalWidth: must be ≥ 0, got -3' },
      ],
    });
    expect(await api.metric('inference_executions_total', { model: 'iris' })).toBe(executions);
  });

  test('bad requests: 400 for no instances or not JSON, 404 for an unknown model or method, 413 past the body limit', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      [
        '/v1/models/iris:predict',
        { rows: [SETOSA] },
        400,
        'BAD_REQUEST: The body must be an object with either "instances" (one object per row) or "inputs" (one list per field)',
      ],
      ['/v1/models/iris:predict', { instances: 'x' }, 400, 'BAD_REQUEST: body/instances must be array'],
      [
        '/v1/models/nope:predict',
        { instances: [SETOSA] },
        404,
        'MODEL_NOT_FOUND: Model nope not found: known models are iris, mnist',
      ],
      [
        '/v1/models/iris:classify',
        { instances: [SETOSA] },
        404,
        'NOT_FOUND: Unknown method "iris:classify": the URL must end in :predict',
      ],
      [
        '/v1/models/iris/versions/0:predict',
        { instances: [SETOSA] },
        400,
        'BAD_REQUEST: Model version must be a positive whole number, got "0"',
      ],
    ];
    for (const [path, json, status, error] of cases) {
      const answer = await rest<TfError>(`${api.url}${path}`, { json, response: 'tf#predict_response' });
      expect([path, answer.status, answer.body.error]).toEqual([path, status, error]);
    }
    const notJson = await fetch(`${api.url}/v1/models/iris:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"instances": [',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as TfError).error).toMatch(/^BAD_REQUEST: The body is not JSON/);
    const huge = await fetch(`${api.url}/v1/models/iris:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: Array.from({ length: 2000 }, () => SETOSA) }),
    });
    expect([huge.status, ((await huge.json()) as TfError).error]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE: Request body exceeds the limit of 65536 bytes',
    ]);
  });
});
