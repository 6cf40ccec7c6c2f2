import { loadMnistSplit, sampleRows } from '@mserve/tools/datasets';
import { startServer, type TestServer } from './harness.js';

const digits = sampleRows(loadMnistSplit().test);
const mnist = { model: 'mnist', version: '1' };
const base64 = (rows: number[][]) => Buffer.from(new Float32Array(rows.flat()).buffer).toString('base64');

describe('serving modes over HTTP', () => {
  let api: TestServer;
  let naive: TestServer;
  beforeAll(async () => {
    [api, naive] = await Promise.all([startServer(), startServer({ batching: false })]);
  });
  afterAll(() => Promise.all([api.close(), naive.close()]));

  test('the compact form gives the same predictions as lists; a bad row fails alone, torn columns fail the field', async () => {
    const rows = digits.slice(0, 16);
    const compact = await api.graphql(
      'query C($c: MnistColumns!) { mnistBatchCompact(columns: $c) { classIndex confidence } }',
      { c: { pixels: base64(rows) } },
    );
    const lists = await api.graphql(
      'query L($i: [MnistInput!]!) { mnistBatch(inputs: $i) { classIndex confidence } }',
      { i: rows.map((pixels) => ({ pixels })) },
    );
    expect(compact.body.errors).toBeUndefined();
    expect(compact.body.data?.mnistBatchCompact).toEqual(lists.body.data?.mnistBatch);

    const bad = await api.graphql('query C($c: MnistColumns!) { mnistBatchCompact(columns: $c) { classIndex } }', {
      c: { pixels: base64([rows[0], rows[1].map((v, k) => (k === 5 ? 2 : v))]) },
    });
    expect((bad.body.data?.mnistBatchCompact as unknown[])[1]).toBeNull();
    expect(bad.body.errors?.map((e) => [e.message, e.path])).toEqual([
      ['Invalid input at item 1, field pixels[5]: must be ≤ 1, got 2', ['mnistBatchCompact', 1]],
    ]);

    const torn = await api.graphql('query C($c: MnistColumns!) { mnistBatchCompact(columns: $c) { classIndex } }', {
      c: { pixels: base64(rows.slice(0, 2)).slice(0, -8) },
    });
    expect(torn.status).toBe(200);
    expect(torn.body.data).toEqual({ mnistBatchCompact: null });
    expect(torn.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', item: 1, field: 'pixels' });
  });

  test('a single number where a list is expected is a list of one, as graphql-js says (then too short for the contract)', async () => {
    const response = await api.graphql('query One($input: MnistInput!) { mnist(input: $input) { classIndex } }', {
      input: { pixels: 0.5 },
    });
    expect(response.body.errors?.[0].message).toBe(
      'Invalid input at item 0, field pixels: must have 784 values, got 1',
    );
  });

  test('batching off runs each request alone, but still one run for all the fields of one request', async () => {
    const executions = () => naive.metric('inference_executions_total', mnist);
    const before = await executions();
    const query = 'query One($input: MnistInput!) { mnist(input: $input) { classIndex } }';
    const answers = await Promise.all(digits.slice(0, 24).map((pixels) => naive.graphql(query, { input: { pixels } })));
    expect(answers.every((a) => a.status === 200 && !a.body.errors)).toBe(true);
    expect((await executions()) - before).toBe(24);

    const aliases = digits.slice(0, 8).map((_, i) => `d${i}: mnist(input: $d${i}) { classIndex }`);
    const many = await naive.graphql(
      `query Many(${aliases.map((_, i) => `$d${i}: MnistInput!`).join(', ')}) { ${aliases.join(' ')} }`,
      Object.fromEntries(digits.slice(0, 8).map((pixels, i) => [`d${i}`, { pixels }])),
    );
    expect(many.body.errors).toBeUndefined();
    expect((await executions()) - before).toBe(25);
  });
});
