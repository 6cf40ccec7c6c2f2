import { loadMnistSplit, sampleRows } from '@mserve/tools/datasets';
import { LARGE_BODY_BYTES } from '../fast-path/json-body.js';
import { fastAndStockServers, type GraphQLResponse } from './harness.js';

/**
 * The comparison suite of the fast path (FAST_PATH): every request goes to a server with it on and
 * to one with it off (fastify's parser, Apollo's execution), and the two answers must be the same,
 * status and body, word for word: predictions, contract errors, graphql-js's variable errors,
 * request errors.
 */
const digits = sampleRows(loadMnistSplit().test);
const base64 = (rows: number[][]) => Buffer.from(new Float32Array(rows.flat()).buffer).toString('base64');
const ONE =
  'query One($input: MnistInput!) { mnist(input: $input) { label classIndex confidence top(k: 3) { label score } } }';
const MANY = 'query Many($i: [MnistInput!]!) { mnistBatch(inputs: $i) { classIndex confidence } }';
const COMPACT = 'query C($c: MnistColumns!) { mnistBatchCompact(columns: $c) { classIndex confidence } }';

describe('the fast path against the stock path', () => {
  const servers = fastAndStockServers({ maxRowsPerRequest: 100 });

  /** Sends the same body to both servers; expects the same status and body, and returns the fast one's. */
  async function same(body: string, headers: Record<string, string> = {}): Promise<GraphQLResponse> {
    const { fast, stock } = servers;
    const [on, off] = await Promise.all([fast.post(body, headers), stock.post(body, headers)]);
    expect({ status: on.status, body: on.body }).toEqual({ status: off.status, body: off.body });
    return on;
  }
  const query = (source: string, variables?: Record<string, unknown>) =>
    same(JSON.stringify({ query: source, variables }));

  test('single rows: the same predictions, as variables and as literals', async () => {
    for (const pixels of digits.slice(0, 4)) expect((await query(ONE, { input: { pixels } })).status).toBe(200);
    const literal = await query(
      `{ a: mnist(input: { pixels: [${digits[5].join(',')}] }) { label } b: iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) { label top(k: 2) { label score } } }`,
    );
    expect(literal.body.data?.b).toMatchObject({ label: 'setosa' });
  });

  test('a large body (its lists read into typed arrays, on the body thread): the same predictions and the same contract error', async () => {
    const inputs = digits.slice(0, 48).map((pixels) => ({ pixels }));
    inputs[30] = { pixels: inputs[30].pixels.map((v, k) => (k === 5 ? 2 : v)) };
    const body = JSON.stringify({ query: MANY, variables: { i: inputs } });
    expect(body.length).toBeGreaterThan(LARGE_BODY_BYTES);
    const response = await same(body);
    expect(response.body.errors?.map((e) => [e.message, e.path])).toEqual([
      ['Invalid input at item 30, field pixels[5]: must be ≤ 1, got 2', ['mnistBatch', 30]],
    ]);
  });

  test.each([
    [
      'a string in a row of a large body',
      (i: Array<Record<string, unknown>>) => (i[40] = { pixels: ['x', ...(i[40].pixels as number[]).slice(1)] }),
    ],
    [
      'an unknown field in a row of a large body',
      (i: Array<Record<string, unknown>>) => (i[40] = { ...i[40], colour: 1 }),
    ],
  ])('%s: graphql-js’s own error, the lists printed as JSON.parse read them', async (_name, spoil) => {
    const inputs: Array<Record<string, unknown>> = digits.slice(0, 48).map((pixels) => ({ pixels }));
    spoil(inputs);
    const response = await query(MANY, { i: inputs });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  test.each([
    ['a string in the list', { input: { pixels: [0.5, 'x', ...new Array<number>(782).fill(0)] } }],
    ['null in the list', { input: { pixels: [null] } }],
    ['a missing field', { input: {} }],
    ['an unknown field', { input: { pixels: [0.5], colour: 1 } }],
    ['not an object', { input: [0.5] }],
    ['no variables at all', undefined],
  ])('a bad variable (%s): graphql-js’s own error and 400', async (_name, variables) => {
    expect((await query(ONE, variables)).status).toBe(400);
  });

  test('a single number where a list is expected: a list of one, then too short for the contract', async () => {
    const response = await query(ONE, { input: { pixels: 0.5 } });
    expect(response.body.errors?.[0].message).toBe(
      'Invalid input at item 0, field pixels: must have 784 values, got 1',
    );
  });

  test('the compact form: the same predictions, the same row error, the same torn-column error', async () => {
    const rows = digits.slice(0, 64);
    expect((await query(COMPACT, { c: { pixels: base64(rows) } })).status).toBe(200);
    const bad = await query(COMPACT, { c: { pixels: base64([rows[0], rows[1].map((v, k) => (k === 5 ? 2 : v))]) } });
    expect(bad.body.errors?.map((e) => e.path)).toEqual([['mnistBatchCompact', 1]]);
    // A torn column fails its field once execution has started: 200 with the field's error.
    const torn = await query(COMPACT, { c: { pixels: base64(rows.slice(0, 2)).slice(0, -8) } });
    expect(torn.status).toBe(200);
    expect(torn.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('raw tensors, model info and introspection (left to Apollo, on the API schema)', async () => {
    await query(
      '{ infer(model: "iris", inputs: [{ name: "features", shape: [2, 4], values: [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5] }]) { model version outputs { name dtype shape values } } }',
    );
    await query(
      '{ models { name state inputs { name dtype shape fields { name length } } batching { maxBatchSize } } }',
    );
    const types = await query(
      '{ __type(name: "MnistInput") { inputFields { name type { kind ofType { kind ofType { kind ofType { name } } } } } } }',
    );
    expect(JSON.stringify(types.body)).toContain('"kind":"LIST"');
  });

  test('a raw tensor in a top-level [Float!] variable (read as a Float64Array, coerced in one loop): the same answers and errors', async () => {
    const INFER =
      'query($v: [Float!]) { infer(model: "mnist", inputs: [{ name: "pixels", shape: [24, 784], values: $v }]) { outputs { name shape values } } }';
    const values = digits.slice(0, 24).flat();
    const body = JSON.stringify({ query: INFER, variables: { v: values } });
    expect(body.length).toBeGreaterThan(LARGE_BODY_BYTES);
    const answered = await same(body);
    expect(answered.status).toBe(200);
    expect(JSON.stringify(answered.body.data)).toContain('"shape":[24,10]');
    // A bad element: graphql-js's own message on both; a nullable-item variable: the same validation error.
    const bad = await same(JSON.stringify({ query: INFER, variables: { v: [...values.slice(1), 'x'] } }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.message).toContain('Float cannot represent');
    await same(JSON.stringify({ query: INFER.replace('[Float!]', '[Float]'), variables: { v: values } }));
  });

  test('errors by status: unknown model 200 with its code, too many rows 413, validation and parse errors 400, a bad header 400', async () => {
    const unknown = await query('{ infer(model: "nope", inputs: [{ name: "x", shape: [1], values: [1] }]) { model } }');
    expect(unknown.status).toBe(200);
    expect(unknown.body.errors?.[0].extensions?.code).toBe('MODEL_NOT_FOUND');
    expect((await query(MANY, { i: digits.slice(0, 101).map((pixels) => ({ pixels })) })).status).toBe(413);
    expect((await query('{ nope }')).status).toBe(400);
    expect((await query('{ mnist(')).status).toBe(400);
    expect(
      (
        await same(JSON.stringify({ query: ONE, variables: { input: { pixels: digits[0] } } }), {
          'x-timeout-ms': 'soon',
        })
      ).status,
    ).toBe(400);
  });

  test.each([
    ['malformed JSON', '{"query":'],
    ['an empty body', ''],
    ['a __proto__ key', '{"query":"{ __typename }","__proto__":{"polluted":1}}'],
    [
      'a large body with a constructor key',
      `{"query":"{ __typename }","pad":"${'.'.repeat(LARGE_BODY_BYTES)}","variables":{"i":[{"pixels":[1],"constructor":{"prototype":{"polluted":1}}}]}}`,
    ],
  ])('a body fastify refuses (%s): the same refusal', async (_name, body) => {
    expect((await same(body)).status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
