import fc from 'fast-check';
import { MASKED_MESSAGE } from '../errors.js';
import { startServer, type TestServer } from './harness.js';
import { checkMessage } from './rest-client.js';

/**
 * Hostile REST bodies, fuzzed (fast-check, fixed seed): whatever a KServe v2 or TF Serving client
 * sends, the answer is a 2xx of the protocol's shape or a 4xx/503/504 `{ error }` led by a code,
 * never a 500, and the server still serves afterwards.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

const tensor = fc.record(
  {
    name: fc.oneof(fc.constant('features'), fc.constant('pixels'), fc.string({ maxLength: 8 })),
    shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
    datatype: fc.oneof(
      fc.constantFrom('FP32', 'FP64', 'INT32', 'INT64', 'BOOL', 'BYTES', 'UINT8', 'fp32'),
      fc.jsonValue({ maxDepth: 0 }),
    ),
    data: fc.oneof(
      fc.array(
        fc.oneof(
          fc.double(),
          fc.integer(),
          fc.boolean(),
          fc.string({ maxLength: 4 }),
          fc.array(fc.double(), { maxLength: 6 }),
        ),
        { maxLength: 30 },
      ),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    parameters: fc.oneof(
      fc.record({ binary_data_size: fc.integer({ min: -4, max: 64 }) }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  },
  { requiredKeys: [] },
);
const v2Body = fc.oneof(
  fc.record(
    {
      id: fc.jsonValue({ maxDepth: 0 }),
      inputs: fc.array(tensor, { maxLength: 3 }),
      outputs: fc.jsonValue({ maxDepth: 2 }),
      parameters: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: ['inputs'] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);
const instance = fc.dictionary(
  fc.constantFrom('sepalLength', 'sepalWidth', 'petalLength', 'petalWidth', 'pixels', '__proto__', 'x'),
  fc.jsonValue({ maxDepth: 2 }),
);
const tfBody = fc.oneof(
  fc.record({ instances: fc.oneof(fc.array(instance, { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })) }),
  fc.record({
    inputs: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    ),
  }),
  fc.jsonValue({ maxDepth: 4 }),
);

describe('REST protocols under hostile input', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer();
  });
  afterAll(() => api.close());

  const send = async (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const header = response.headers.get('inference-header-content-length');
    return {
      status: response.status,
      body: JSON.parse((header === null ? bytes : bytes.subarray(0, Number(header))).toString('utf8')) as unknown,
    };
  };
  const judge = (protocol: 'v2' | 'tf', answer: { status: number; body: unknown }) => {
    expect(answer.status).not.toBe(500);
    if (answer.status < 400)
      checkMessage(protocol === 'v2' ? 'v2#inference_response' : 'tf#predict_response', answer.body);
    else {
      checkMessage(protocol === 'v2' ? 'v2#error_response' : 'tf#error_response', answer.body);
      expect((answer.body as { error: string }).error).toMatch(/^[A-Z_]+: /);
      expect((answer.body as { error: string }).error).not.toContain(MASKED_MESSAGE);
    }
  };

  test('KServe v2 infer: JSON bodies and binary tails', async () => {
    await fc.assert(
      fc.asyncProperty(
        v2Body,
        fc.constantFrom('iris', 'mnist', 'nope'),
        fc.option(fc.uint8Array({ maxLength: 64 })),
        async (body, model, tail) => {
          const json = Buffer.from(JSON.stringify(body));
          const answer = tail
            ? await send(`/v2/models/${model}/infer`, Buffer.concat([json, Buffer.from(tail)]), {
                'content-type': 'application/octet-stream',
                'inference-header-content-length': String(json.length),
              })
            : await send(`/v2/models/${model}/infer`, json);
          judge('v2', answer);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('TF Serving predict', async () => {
    await fc.assert(
      fc.asyncProperty(
        tfBody,
        fc.constantFrom('iris', 'mnist', 'iris/versions/1', 'iris/versions/x'),
        async (body, model) => judge('tf', await send(`/v1/models/${model}:predict`, JSON.stringify(body))),
      ),
      { seed: SEED, numRuns: RUNS },
    );
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });
});
