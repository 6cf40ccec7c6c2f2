import { ERROR_CATALOGUE } from '@mserve/inference';
import fc from 'fast-check';
import { MASKED_MESSAGE } from '../errors.js';
import { startServer, type GraphQLResponse, type TestServer } from './harness.js';

/**
 * Hostile input, fuzzed: property-based request bodies and variables (fast-check, fixed seed, so a
 * failure reproduces with the printed seed and path). Whatever comes in, the server never crashes
 * (it answers /healthz and a good query after every category), never answers with an unmasked 5xx
 * (every 5xx carries a catalogue code, and an internal one only the generic message), never shows a
 * stack trace, and every error carries `extensions.code`.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_107);
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

const IRIS = 'query Iris($input: IrisInput!) { iris(input: $input) { label confidence } }';
const IRIS_FIELDS = ['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'];
const MNIST = 'query Mnist($input: MnistInput!) { mnist(input: $input) { label } }';
const MNIST_BATCH = 'query MnistBatch($inputs: [MnistInput!]!) { mnistBatch(inputs: $inputs) { label } }';
const INFER =
  'query Infer($model: String!, $inputs: [TensorInput!]!) { infer(model: $model, inputs: $inputs) { outputs { name shape values } } }';
const GOOD_IRIS = { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
const STACK = /\bat [^\s]+ \(?[^\s]*\.(?:ts|js|mjs|cjs):\d+|"stacktrace"/;

/** One hostile request: a raw body (any bytes) and optional headers. */
interface Hostile {
  body: string;
  contentType?: string;
}

const json = (value: unknown): Hostile => ({ body: JSON.stringify(value) });
const nested = (depth: number, leaf: string) => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
const float32Base64 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');

/** Each category: an arbitrary of hostile requests. */
const categories: Record<string, fc.Arbitrary<Hostile>> = {
  malformedJson: fc.oneof(
    fc.string({ maxLength: 300 }).map((body) => ({ body })),
    fc.json().map((text) => ({ body: text.slice(0, Math.max(0, text.length - 1)) })),
    fc.uint8Array({ maxLength: 400 }).map((bytes) => ({ body: Buffer.from(bytes).toString('latin1') })),
    fc.jsonValue().map((value) => json(value)),
    fc
      .constantFrom(
        '{"query":',
        '{"query": "{ models { name } }",}',
        '[{"query":"{ models { name } }"},{"query":"{ models { name } }"}]',
        '\u0000',
        '{"query": null}',
        '{"variables": {}}',
      )
      .map((body) => ({ body })),
  ),
  wrongTypes: fc.oneof(
    fc
      .dictionary(fc.constantFrom(...IRIS_FIELDS, 'extra', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 3 }))
      .map((input) => json({ query: IRIS, variables: { input } })),
    fc.jsonValue({ maxDepth: 4 }).map((variables) => json({ query: IRIS, variables })),
    fc.jsonValue({ maxDepth: 3 }).map((inputs) => json({ query: INFER, variables: { model: 'iris', inputs } })),
    fc
      .record({
        query: fc.jsonValue({ maxDepth: 2 }),
        variables: fc.jsonValue({ maxDepth: 2 }),
        operationName: fc.jsonValue({ maxDepth: 1 }),
      })
      .map(json),
  ),
  hugeAndDeepArrays: fc.oneof(
    fc
      .record({ length: fc.integer({ min: 0, max: 200_000 }), value: fc.double({ min: -2, max: 2, noNaN: true }) })
      .map(({ length, value }) =>
        json({ query: MNIST, variables: { input: { pixels: new Array(length).fill(value) } } }),
      ),
    fc.integer({ min: 1, max: 20_000 }).map((depth) => ({
      body: `{"query":${JSON.stringify(MNIST)},"variables":{"input":{"pixels":${nested(depth, '0.5')}}}}`,
    })),
    fc
      .record({ rows: fc.integer({ min: 0, max: 40 }), length: fc.integer({ min: 0, max: 1000 }) })
      .map(({ rows, length }) =>
        json({
          query: MNIST_BATCH,
          variables: { inputs: Array.from({ length: rows }, () => ({ pixels: new Array(length).fill(0.25) })) },
        }),
      ),
    fc
      .record({
        rows: fc.integer({ min: 0, max: 5000 }),
        shape: fc.array(fc.integer({ min: -3, max: 5000 }), { maxLength: 5 }),
      })
      .map(({ rows, shape }) =>
        json({
          query: INFER,
          variables: {
            model: 'iris',
            inputs: [
              { name: 'features', shape: [rows, ...shape], values: new Array(Math.min(rows * 4, 100_000)).fill(1) },
            ],
          },
        }),
      ),
  ),
  nonFinite: fc.oneof(
    fc
      .record({
        field: fc.constantFrom(...IRIS_FIELDS),
        literal: fc.constantFrom(
          '"NaN"',
          '"Infinity"',
          '"-Infinity"',
          '1e999',
          '-1e999',
          'NaN',
          'Infinity',
          '"1e999"',
          'null',
        ),
      })
      .map(({ field, literal }) => ({
        body: `{"query":${JSON.stringify(IRIS)},"variables":{"input":${JSON.stringify(GOOD_IRIS).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${literal}`)}}}`,
      })),
    fc
      .record({
        index: fc.integer({ min: 0, max: 783 }),
        literal: fc.constantFrom('"NaN"', '1e999', '-1e999', '"Infinity"'),
      })
      .map(({ index, literal }) => {
        const pixels = new Array<string>(784).fill('0');
        pixels[index] = literal;
        return { body: `{"query":${JSON.stringify(MNIST)},"variables":{"input":{"pixels":[${pixels.join(',')}]}}}` };
      }),
    fc
      .record({ index: fc.integer({ min: 0, max: 7 }), bad: fc.constantFrom(NaN, Infinity, -Infinity) })
      .map(({ index, bad }) => {
        const values = [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6, 2.5];
        values[index] = bad;
        return json({
          query: INFER,
          variables: { model: 'iris', inputs: [{ name: 'features', shape: [2, 4], base64: float32Base64(values) }] },
        });
      }),
    fc.constantFrom('"NaN"', '1e999', '"Infinity"', '-1e999').map((literal) => ({
      body: `{"query":${JSON.stringify(INFER)},"variables":{"model":"iris","inputs":[{"name":"features","shape":[1,4],"values":[1,2,3,${literal}]}]}}`,
    })),
    fc
      .constantFrom(
        '{ iris(input: { sepalLength: NaN, sepalWidth: 3, petalLength: 1, petalWidth: 0.2 }) { label } }',
        '{ iris(input: { sepalLength: 1e999, sepalWidth: 3, petalLength: 1, petalWidth: 0.2 }) { label } }',
      )
      .map((query) => json({ query })),
  ),
  oversizedStrings: fc
    .record({
      size: fc.integer({ min: 1, max: 2_000_000 }),
      where: fc.constantFrom('model', 'operationName', 'literal', 'comment', 'base64', 'fieldName'),
    })
    .map(({ size, where }) => {
      const long = 'x'.repeat(size);
      switch (where) {
        case 'model':
          return json({ query: INFER, variables: { model: long, inputs: [] } });
        case 'operationName':
          return json({ query: IRIS, variables: { input: GOOD_IRIS }, operationName: long });
        case 'literal':
          return json({ query: `{ model(name: "${long}") { name } }` });
        case 'comment':
          return json({ query: `#${long}\n{ models { name } }` });
        case 'base64':
          return json({
            query: INFER,
            variables: { model: 'iris', inputs: [{ name: 'features', shape: [1, 4], base64: long }] },
          });
        default:
          return json({ query: IRIS, variables: { input: { ...GOOD_IRIS, [long.slice(0, 100_000)]: 1 } } });
      }
    }),
  queryShapes: fc.oneof(
    fc
      .oneof(fc.constant(10_000), fc.integer({ min: 1, max: 10_000 }))
      .map((n) => json({ query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: models { name }`).join(' ')} }` })),
    fc
      .oneof(fc.constant(30_000), fc.integer({ min: 1, max: 30_000 }))
      .map((depth) => json({ query: `${'{ models '.repeat(depth)}{ name }${' }'.repeat(depth)}` })),
    fc
      .integer({ min: 1, max: 30_000 })
      .map((depth) => json({ query: `{ model(name: ${nested(depth, '"iris"')}) { name } }` })),
    fc.integer({ min: 1, max: 200 }).map((n) =>
      json({
        query: `{ ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { models { name } ...F${(i + 1) % n} }`).join(' ')}`,
      }),
    ),
    fc.integer({ min: 1, max: 5000 }).map((n) => json({ query: `{ models { name ${'__typename '.repeat(n)} } }` })),
    fc.integer({ min: 1, max: 2000 }).map((n) =>
      json({
        query: Array.from({ length: n }, (_, i) => `query Q${i} { models { name } }`).join(' '),
        operationName: 'Q0',
      }),
    ),
    fc.string({ maxLength: 200 }).map((query) => json({ query })),
    // An operation name that names nothing, and several operations with none (both were a 500 once).
    fc
      .record({ operationName: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }) })
      .map(({ operationName }) =>
        json({ query: 'query A { models { name } } query B { models { state } }', operationName }),
      ),
  ),
  hugeBodies: fc.constantFrom(15, 17, 40).map((mib) => ({
    body: JSON.stringify({ query: MNIST, variables: { input: { pixels: 'p'.repeat(mib * 2 ** 20) } } }),
  })),
  contentTypes: fc.record({
    contentType: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/graphql',
      '',
      'application/json; charset=utf-16',
    ),
    body: fc.constantFrom('{"query":"{ models { name } }"}', 'query={models{name}}', ''),
  }),
};

/** The checks every response must pass, whatever was sent. Returns the response's status. */
function checkResponse(response: GraphQLResponse): number {
  expect(response.body.errors?.[0]?.message ?? '').not.toMatch(/^not JSON: /);
  for (const error of response.body.errors ?? []) {
    expect(typeof error.extensions?.code).toBe('string');
    if (error.extensions?.code === 'INTERNAL_SERVER_ERROR') expect(error.message).toBe(MASKED_MESSAGE);
  }
  // GraphQL-over-HTTP: `data` only once execution started, and then always 200.
  if (response.status !== 200) expect(response.body).not.toHaveProperty('data');
  // One polite client and roomy queues: nothing a client sends should be a server failure at all.
  expect(response.status).toBeLessThan(500);
  if (response.status >= 500) {
    const codes = (response.body.errors ?? []).map((e) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(Object.keys(ERROR_CATALOGUE)).toContain(code);
  }
  expect(JSON.stringify(response.body)).not.toMatch(STACK);
  return response.status;
}

describe('hardening: fuzzed hostile input', () => {
  let api: TestServer;
  const counts: Record<string, { cases: number; byStatus: Record<number, number> }> = {};

  beforeAll(async () => {
    api = await startServer({ models: ['iris', 'mnist'] });
  });
  afterAll(async () => {
    console.log(
      JSON.stringify({
        hardening: 'fuzz',
        seed: SEED,
        runsPerCategory: RUNS,
        total: Object.values(counts).reduce((n, c) => n + c.cases, 0),
        categories: counts,
      }),
    );
    await api?.close();
  });

  test.each(Object.keys(categories))('%s: no crash, no unmasked 5xx, every error coded', async (name) => {
    const tally: (typeof counts)[string] = { cases: 0, byStatus: {} };
    counts[name] = tally;
    const runs = name === 'hugeBodies' ? 6 : name === 'contentTypes' ? 30 : RUNS;
    await fc.assert(
      fc.asyncProperty(categories[name], async (hostile) => {
        const response = await api.post(
          hostile.body,
          hostile.contentType === undefined ? {} : { 'content-type': hostile.contentType },
        );
        const status = checkResponse(response);
        // A non-finite number, however encoded, is refused: never a prediction. In a variable it is
        // a request error (400); inside a tensor the contract refuses it during execution (200, field null).
        if (name === 'nonFinite') {
          if (status === 200) {
            expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
            expect(Object.values(response.body.data ?? { none: 'no data' })).toEqual([null]);
          } else expect(status).toBe(400);
        }
        tally.cases++;
        tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
      }),
      { seed: SEED, numRuns: runs, endOnFailure: true },
    );
    // Still alive and still right.
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    expect((await api.graphql(IRIS, { input: GOOD_IRIS })).body).toEqual({
      data: { iris: { label: 'setosa', confidence: expect.any(Number) } },
    });
  });
});
