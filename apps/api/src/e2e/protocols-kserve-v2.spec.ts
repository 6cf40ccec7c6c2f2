import { loadMnistSplit } from '@mserve/tools/datasets';
import { startServer, type TestServer } from './harness.js';
import { rest } from './rest-client.js';

interface V2Output {
  name: string;
  shape: number[];
  datatype: string;
  data?: number[];
  parameters?: { binary_data_size?: number };
}
interface V2Response {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: V2Output[];
}
interface V2Error {
  error: string;
}

const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.3, 3.3, 6.0, 2.5],
];

describe('Open Inference Protocol (KServe v2) over HTTP', () => {
  let api: TestServer;
  let v2: (path: string, options?: Parameters<typeof rest>[1]) => ReturnType<typeof rest<never>>;
  beforeAll(async () => {
    api = await startServer({ maxRowsPerRequest: 100 });
    v2 = (path, options = {}) => rest<never>(`${api.url}${path}`, options);
  });
  afterAll(() => api.close());

  test('server metadata and health', async () => {
    const meta = await rest<{ extensions: string[] }>(`${api.url}/v2`, { response: 'v2#metadata_server_response' });
    expect(meta.status).toBe(200);
    expect(meta.body.extensions).toContain('binary_tensor_data');
    expect(meta.body.extensions).not.toContain('model_repository');
    expect((await rest(`${api.url}/v2/health/live`, { response: 'v2#server_live_response' })).body).toEqual({
      live: true,
    });
    expect((await rest(`${api.url}/v2/health/ready`, { response: 'v2#server_ready_response' })).body).toEqual({
      ready: true,
    });
    expect((await rest(`${api.url}/v2/models/iris/ready`, { response: 'v2#model_ready_response' })).body).toEqual({
      name: 'iris',
      ready: true,
    });
    expect(
      (await rest(`${api.url}/v2/models/iris/versions/1/ready`, { response: 'v2#model_ready_response' })).status,
    ).toBe(200);
  });

  test('iris: metadata, then infer with JSON (nested data, id echoed), then with binary tensors', async () => {
    const meta = await rest(`${api.url}/v2/models/iris`, { response: 'v2#metadata_model_response' });
    expect(meta.body).toEqual({
      name: 'iris',
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
    });
    expect(
      (await rest(`${api.url}/v2/models/iris/versions/1`, { response: 'v2#metadata_model_response' })).body,
    ).toEqual(meta.body);

    const json = await rest<V2Response>(`${api.url}/v2/models/iris/infer`, {
      json: { id: 'req-7', inputs: [{ name: 'features', shape: [2, 4], datatype: 'FP32', data: IRIS_ROWS }] },
      request: 'v2#inference_request',
      response: 'v2#inference_response',
    });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ model_name: 'iris', model_version: '1', id: 'req-7' });
    const [probabilities] = json.body.outputs;
    expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 3] });

    // The same rows through GraphQL: the same numbers.
    const gql =
      await api.graphql(`{ a: iris(input: {sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2}) { label probabilities }
      b: iris(input: {sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6.0, petalWidth: 2.5}) { label probabilities } }`);
    const viaGraphql = [gql.body.data?.a, gql.body.data?.b] as Array<{ label: string; probabilities: number[] }>;
    expect(viaGraphql.map((p) => p.label)).toEqual(['setosa', 'virginica']);
    expect(probabilities.data).toEqual(viaGraphql.flatMap((p) => p.probabilities));

    const bytes = Buffer.from(new Float32Array(IRIS_ROWS.flat()).buffer);
    const binary = await rest<V2Response>(`${api.url}/v2/models/iris/versions/1/infer`, {
      json: {
        inputs: [{ name: 'features', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: bytes.length } }],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
      },
      binary: [bytes],
      request: 'v2#inference_request',
      response: 'v2#inference_response',
    });
    expect(binary.status).toBe(200);
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(binary.body.outputs[0]).toEqual({
      name: 'probabilities',
      datatype: 'FP32',
      shape: [2, 3],
      parameters: { binary_data_size: 24 },
    });
    expect(binary.body.id).toBeUndefined();
    const values = new Float32Array(
      binary.binary.buffer.slice(binary.binary.byteOffset, binary.binary.byteOffset + 24),
    );
    expect([...values]).toEqual(probabilities.data);
  });

  test('mnist: metadata, infer with flat JSON, then binary in and out (binary_data_output)', async () => {
    const split = loadMnistSplit();
    const digits = [0, 1, 2].map((i) => Array.from(split.test.x.subarray(i * 784, (i + 1) * 784)));
    const meta = await rest(`${api.url}/v2/models/mnist`, { response: 'v2#metadata_model_response' });
    expect(meta.body).toMatchObject({
      inputs: [{ name: 'pixels', datatype: 'FP32', shape: [-1, 784] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] }],
    });

    const json = await rest<V2Response>(`${api.url}/v2/models/mnist/infer`, {
      json: { inputs: [{ name: 'pixels', shape: [3, 784], datatype: 'FP32', data: digits.flat() }] },
      request: 'v2#inference_request',
      response: 'v2#inference_response',
    });
    expect(json.status).toBe(200);
    const probabilities = json.body.outputs[0].data as number[];
    const predicted = [0, 1, 2].map((r) => {
      const row = probabilities.slice(r * 10, r * 10 + 10);
      return row.indexOf(Math.max(...row));
    });
    expect(predicted).toEqual([0, 1, 2].map((i) => split.test.y[i]));

    const bytes = Buffer.from(new Float32Array(digits.flat()).buffer);
    const binary = await rest<V2Response>(`${api.url}/v2/models/mnist/infer`, {
      json: {
        parameters: { binary_data_output: true },
        inputs: [{ name: 'pixels', shape: [3, 784], datatype: 'FP32', parameters: { binary_data_size: bytes.length } }],
      },
      binary: [bytes],
      request: 'v2#inference_request',
      response: 'v2#inference_response',
    });
    expect(binary.body.outputs[0]).toMatchObject({ shape: [3, 10], parameters: { binary_data_size: 120 } });
    expect([
      ...new Float32Array(binary.binary.buffer.slice(binary.binary.byteOffset, binary.binary.byteOffset + 120)),
    ]).toEqual(probabilities);
  });

  test('errors: the protocol’s statuses, `{ error }` bodies led by the catalogue code', async () => {
    const infer = (json: unknown, path = '/v2/models/iris/infer', headers?: Record<string, string>) =>
      v2(path, { json, headers, response: 'v2#inference_response' });
    const features = (data: unknown[], shape = [data.length / 4, 4]) => ({
      inputs: [{ name: 'features', shape, datatype: 'FP32', data }],
    });

    const range = await infer(features([...IRIS_ROWS[0], 5, 3, 77.125, 1]));
    expect([range.status, (range.body as V2Error).error]).toEqual([
      400,
      'BAD_USER_INPUT: Invalid input at item 1, field petalLength: must be ≤ 30, got 77.125',
    ]);
    const text = await infer(features([5, 3, 'x', 1]));
    expect((text.body as V2Error).error).toBe(
      'BAD_USER_INPUT: Invalid input at item 0, field petalLength: must be a number, got a string',
    );
    expect((await infer(features(IRIS_ROWS.flat()), '/v2/models/nope/infer')).status).toBe(404);
    expect(
      ((await infer(features(IRIS_ROWS.flat()), '/v2/models/iris/versions/9/infer')).body as V2Error).error,
    ).toMatch(/^MODEL_NOT_FOUND: Model iris not found: it has no version 9/);
    const dtype = await infer({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'INT32', data: [1, 2, 3, 4] }] });
    expect([dtype.status, (dtype.body as V2Error).error]).toEqual([
      400,
      'BAD_REQUEST: input features: datatype must be FP32, got INT32',
    ]);
    const shape = await infer(features([1, 2, 3, 4], [1, 3]));
    expect((shape.body as V2Error).error).toBe(
      'BAD_REQUEST: input features: shape must be [-1, 4] (rows first), got [1, 3]',
    );
    const count = await infer(features([1, 2, 3], [1, 4]));
    expect((count.body as V2Error).error).toBe(
      'BAD_REQUEST: input features: data must have 4 elements for its shape, got 3',
    );
    const schema = await infer({ inputs: [{ name: 'features', datatype: 'FP32', data: [1, 2, 3, 4] }] });
    expect([schema.status, (schema.body as V2Error).error]).toEqual([
      400,
      "BAD_REQUEST: body/inputs/0 must have required property 'shape'",
    ]);
    const output = await infer({ ...features([1, 2, 3, 4]), outputs: [{ name: 'logits' }] });
    expect((output.body as V2Error).error).toBe(
      'BAD_REQUEST: output logits: model iris has no such output; its outputs are probabilities',
    );
    const rows = await infer(features(Array.from({ length: 101 * 4 }, () => 1)));
    expect([rows.status, (rows.body as V2Error).error]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE: 101 prediction rows in one request exceeds the limit of 100',
    ]);
    const timeout = await infer(features([1, 2, 3, 4]), undefined, { 'x-timeout-ms': 'soon' });
    expect([timeout.status, (timeout.body as V2Error).error]).toEqual([
      400,
      'BAD_REQUEST: Header x-timeout-ms must be a whole number of milliseconds ≥ 1, got "soon"',
    ]);
    const notJson = await v2('/v2/models/iris/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      error: 'v2#error_response',
    });
    expect(notJson.status).toBe(400);
    const short = await v2('/v2/models/iris/infer', {
      json: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] },
      binary: [Buffer.alloc(8)],
      response: 'v2#inference_response',
    });
    expect((short.body as V2Error).error).toBe(
      'BAD_REQUEST: input features: binary_data_size 16 runs past the 8 bytes after the JSON header',
    );
    // Deeper than any tensor: refused before anything recursive reads it (a stack overflow would be a 500).
    const nested = await fetch(`${api.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": ${'['.repeat(100_000)}1${']'.repeat(100_000)}}]}`,
    });
    expect([nested.status, ((await nested.json()) as V2Error).error]).toEqual([
      400,
      'BAD_REQUEST: The body nests arrays and objects deeper than 64 levels',
    ]);
    // A list longer than any request may hold: refused from the bytes, before JSON.parse reads it.
    const long = await fetch(`${api.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"inputs": [{"name": "features", "shape": [1, 4], "datatype": "BYTES", "data": [${'"a",'.repeat(50_000)}"a"]}]}`,
    });
    expect([long.status, ((await long.json()) as V2Error).error]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE: Request too large: inputs[0].data holds more than 100 strings, more than any request may hold',
    ]);
    const unknownModel = await v2('/v2/models/nope', { response: 'v2#metadata_model_response' });
    expect([unknownModel.status, (unknownModel.body as V2Error).error]).toEqual([
      404,
      'MODEL_NOT_FOUND: Model nope not found: known models are iris, mnist',
    ]);
    expect((await v2('/v2/models/nope/ready', { response: 'v2#model_ready_response' })).status).toBe(404);
    expect(
      api.logs.some(
        (line) => line.msg === 'rest request' && line.protocol === 'kserve-v2' && line.outcome === 'BAD_USER_INPUT',
      ),
    ).toBe(true);
    expect(JSON.stringify(api.logs)).not.toContain('77.125');
  });
});
