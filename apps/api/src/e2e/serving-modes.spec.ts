import { loadMnistSplit, sampleRows } from '@mserve/tools/datasets';
import { LARGE_BODY_BYTES } from '../json-body.js';
import { startServer, type TestServer } from './harness.js';

const digits = sampleRows(loadMnistSplit().test);
const mnist = { model: 'mnist', version: '1' };
const base64 = (rows: number[][]) => Buffer.from(new Float32Array(rows.flat()).buffer).toString('base64');

describe('serving modes over HTTP', () => {
  let api: TestServer;
  let stock: TestServer;
  let naive: TestServer;
  beforeAll(async () => {
    [api, stock, naive] = await Promise.all([startServer(), startServer({ fastCoercion: false }), startServer({ batching: false, benchmarkFields: true })]);
  });
  afterAll(() => Promise.all([api.close(), stock.close(), naive.close()]));

  test('the compact form gives the same predictions as lists; a bad row fails alone, torn columns fail the field', async () => {
    const rows = digits.slice(0, 16);
    const compact = await api.graphql('query C($c: MnistColumns!) { mnistBatchCompact(columns: $c) { classIndex confidence } }', { c: { pixels: base64(rows) } });
    const lists = await api.graphql('query L($i: [MnistInput!]!) { mnistBatch(inputs: $i) { classIndex confidence } }', { i: rows.map((pixels) => ({ pixels })) });
    expect(compact.body.errors).toBeUndefined();
    expect(compact.body.data?.mnistBatchCompact).toEqual(lists.body.data?.mnistBatch);

    const bad = await api.graphql('query C($c: MnistColumns!) { mnistBatchCompact(columns: $c) { classIndex } }', { c: { pixels: base64([rows[0], rows[1].map((v, k) => (k === 5 ? 2 : v))]) } });
    expect((bad.body.data?.mnistBatchCompact as unknown[])[1]).toBeNull();
    expect(bad.body.errors?.map((e) => [e.message, e.path])).toEqual([['Invalid input at item 1, field pixels[5]: must be ≤ 1, got 2', ['mnistBatchCompact', 1]]]);

    const torn = await api.graphql('query C($c: MnistColumns!) { mnistBatchCompact(columns: $c) { classIndex } }', { c: { pixels: base64(rows.slice(0, 2)).slice(0, -8) } });
    expect(torn.status).toBe(200);
    expect(torn.body.data).toEqual({ mnistBatchCompact: null });
    expect(torn.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', item: 1, field: 'pixels' });
  });

  test('a large body (read on the body thread) gives the predictions and errors of the stock path', async () => {
    const query = 'query L($i: [MnistInput!]!) { mnistBatch(inputs: $i) { classIndex confidence } }';
    const inputs = digits.slice(0, 48).map((pixels) => ({ pixels }));
    expect(JSON.stringify({ query, variables: { i: inputs } }).length).toBeGreaterThan(LARGE_BODY_BYTES);
    // A contract error in one row fails that row alone, named.
    inputs[30] = { pixels: inputs[30].pixels.map((v, k) => (k === 5 ? 2 : v)) };
    const [fast, slow] = await Promise.all([api.graphql(query, { i: inputs }), stock.graphql(query, { i: inputs })]);
    expect(fast.body.errors?.map((e) => [e.message, e.path])).toEqual([['Invalid input at item 30, field pixels[5]: must be ≤ 1, got 2', ['mnistBatch', 30]]]);
    expect(fast.body).toEqual(slow.body);
    // A bad variable in row 40: graphql-js's own error, word for word.
    const badVariable = inputs.map((input, i) => (i === 40 ? { pixels: [...input.pixels.slice(0, 9), 'x', ...input.pixels.slice(10)] } : input));
    const [fastBad, slowBad] = await Promise.all([api.graphql(query, { i: badVariable }), stock.graphql(query, { i: badVariable })]);
    expect(fastBad.status).toBe(400);
    expect({ status: fastBad.status, body: fastBad.body }).toEqual({ status: slowBad.status, body: slowBad.body });
    // An unknown field in row 40: every list is numbers, so the vectors were read from the bytes, and
    // graphql-js's message prints the row, list and all, as JSON.parse would have given it.
    const unknownField = inputs.map((input, i) => (i === 40 ? { ...input, colour: 1 } : input));
    const [fastUnknown, slowUnknown] = await Promise.all([api.graphql(query, { i: unknownField }), stock.graphql(query, { i: unknownField })]);
    expect(fastUnknown.status).toBe(400);
    expect(fastUnknown.body.errors?.[0]?.message).toContain('Field "colour" is not defined by type "MnistInput"');
    expect({ status: fastUnknown.status, body: fastUnknown.body }).toEqual({ status: slowUnknown.status, body: slowUnknown.body });
  });

  test.each([
    ['a string in the list', { input: { pixels: [0.5, 'x', ...new Array<number>(782).fill(0)] } }],
    ['null in the list', { input: { pixels: [null] } }],
    ['a missing field', { input: {} }],
    ['an unknown field', { input: { pixels: [0.5], colour: 1 } }],
    ['not an object', { input: [0.5] }],
  ])('a bad variable (%s) gets graphql-js’s own error, with fast coercion or without', async (_name, variables) => {
    const query = 'query One($input: MnistInput!) { mnist(input: $input) { classIndex } }';
    const [fast, slow] = await Promise.all([api.graphql(query, variables), stock.graphql(query, variables)]);
    expect(fast.status).toBe(400);
    expect({ status: fast.status, body: fast.body }).toEqual({ status: slow.status, body: slow.body });
  });

  test('a single number where a list is expected is a list of one, as graphql-js says (then too short for the contract)', async () => {
    const response = await api.graphql('query One($input: MnistInput!) { mnist(input: $input) { classIndex } }', { input: { pixels: 0.5 } });
    expect(response.body.errors?.[0].message).toBe('Invalid input at item 0, field pixels: must have 784 values, got 1');
  });

  test('introspection still sees pixels as [Float!]!', async () => {
    const response = await api.graphql('{ __type(name: "MnistInput") { inputFields { name type { kind ofType { kind ofType { kind ofType { name } } } } } } }');
    expect(response.body.data).toEqual({
      __type: { inputFields: [{ name: 'pixels', type: { kind: 'NON_NULL', ofType: { kind: 'LIST', ofType: { kind: 'NON_NULL', ofType: { name: 'Float' } } } } }] },
    });
  });

  test('batching off runs each request alone, but still one run for all the fields of one request', async () => {
    const executions = () => naive.metric('inference_executions_total', mnist);
    const before = await executions();
    const query = 'query One($input: MnistInput!) { mnist(input: $input) { classIndex } }';
    const answers = await Promise.all(digits.slice(0, 24).map((pixels) => naive.graphql(query, { input: { pixels } })));
    expect(answers.every((a) => a.status === 200 && !a.body.errors)).toBe(true);
    expect((await executions()) - before).toBe(24);

    const aliases = digits.slice(0, 8).map((_, i) => `d${i}: mnist(input: $d${i}) { classIndex }`);
    const many = await naive.graphql(`query Many(${aliases.map((_, i) => `$d${i}: MnistInput!`).join(', ')}) { ${aliases.join(' ')} }`, Object.fromEntries(digits.slice(0, 8).map((pixels, i) => [`d${i}`, { pixels }])));
    expect(many.body.errors).toBeUndefined();
    expect((await executions()) - before).toBe(25);
  });

  test('the ceiling_ fields exist only with BENCHMARK_FIELDS, and answer without running the model', async () => {
    const query = 'query One($input: MnistInput!) { ceiling_mnist(input: $input) { label confidence } }';
    const absent = await api.graphql(query, { input: { pixels: digits[0] } });
    expect(absent.status).toBe(400);
    expect(absent.body.errors?.[0].message).toMatch(/^Cannot query field "ceiling_mnist" on type "Query"/);

    const before = await naive.metric('inference_executions_total', mnist);
    const present = await naive.graphql(query, { input: { pixels: digits[0] } });
    expect(present.body).toEqual({ data: { ceiling_mnist: { label: '0', confidence: 1 } } });
    expect(await naive.metric('inference_executions_total', mnist)).toBe(before);
  });
});
