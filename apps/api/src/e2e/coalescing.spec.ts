import { loadMnistSplit, sampleRows } from '@mserve/tools/datasets';
import { startServer, type TestServer } from './harness.js';

const digits = sampleRows(loadMnistSplit().test);
const mnist = { model: 'mnist', version: '1' };

describe('coalescing over HTTP', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer({ maxBatchSize: 256 });
  });
  afterAll(() => api.close());

  /** Executions and rows run by mnist since the last call. */
  async function delta<T>(action: () => Promise<T>): Promise<{ result: T; executions: number; rows: number }> {
    const [e0, r0] = [
      await api.metric('inference_executions_total', mnist),
      await api.metric('inference_batch_size_sum', mnist),
    ];
    const result = await action();
    const [e1, r1] = [
      await api.metric('inference_executions_total', mnist),
      await api.metric('inference_batch_size_sum', mnist),
    ];
    return { result, executions: e1 - e0, rows: r1 - r0 };
  }

  test('64 aliased mnist fields in one query run as exactly one execution of 64 rows', async () => {
    const fields = digits.slice(0, 64).map((_, i) => `d${i}: mnist(input: $d${i}) { label classIndex confidence }`);
    const variables = Object.fromEntries(digits.slice(0, 64).map((pixels, i) => [`d${i}`, { pixels }]));
    const query = `query Aliases(${digits
      .slice(0, 64)
      .map((_, i) => `$d${i}: MnistInput!`)
      .join(', ')}) { ${fields.join('\n')} }`;
    const { result, executions, rows } = await delta(() => api.graphql(query, variables));
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(Object.keys(result.body.data ?? {})).toHaveLength(64);
    expect(executions).toBe(1);
    expect(rows).toBe(64);
  });

  test('mnistBatch with 1,000 rows and maxBatchSize 256 runs as 4 executions', async () => {
    const inputs = Array.from({ length: 1000 }, (_, i) => ({ pixels: digits[i % digits.length] }));
    const { result, executions, rows } = await delta(() =>
      api.graphql('query Bulk($inputs: [MnistInput!]!) { mnistBatch(inputs: $inputs) { classIndex } }', { inputs }),
    );
    expect(result.body.errors).toBeUndefined();
    expect((result.body.data?.mnistBatch as unknown[]).length).toBe(1000);
    expect(executions).toBe(4);
    expect(rows).toBe(1000);
  });

  test('concurrent single-row requests are merged across requests', async () => {
    const requests = 96;
    const query = 'query One($input: MnistInput!) { mnist(input: $input) { classIndex } }';
    const { result, executions, rows } = await delta(() =>
      Promise.all(Array.from({ length: requests }, (_, i) => api.graphql(query, { input: { pixels: digits[i] } }))),
    );
    expect(result.every((r) => r.status === 200 && r.body.errors === undefined)).toBe(true);
    expect(rows).toBe(requests);
    expect(executions).toBeLessThan(requests);
  });
});
