import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GraphQLClient } from 'graphql-request';
import { startServer, type TestServer } from './harness.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

/** The ```graphql blocks of the README, by operation name. */
async function readmeQueries(): Promise<Map<string, string>> {
  const text = await readFile(README, 'utf8');
  const blocks = [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
  return new Map(blocks.map((block) => [/query (\w+)/.exec(block)?.[1] ?? '', block]));
}

describe('the README example queries, sent by a GraphQL client library', () => {
  let api: TestServer;
  let client: GraphQLClient;
  beforeAll(async () => {
    api = await startServer();
    client = new GraphQLClient(`${api.url}/graphql`);
  });
  afterAll(() => api.close());

  test('the README has the examples this test knows', async () => {
    // FlowerSpecies needs a supergraph: federation.spec.ts runs it through a gateway.
    expect([...(await readmeQueries()).keys()]).toEqual([
      'IrisSpecies',
      'IrisMany',
      'Models',
      'Raw',
      'IrisCompact',
      'FlowerSpecies',
    ]);
  });

  test('IrisSpecies', async () => {
    const data = await client.request<{
      iris: { label: string; classIndex: number; confidence: number; top: Array<{ label: string; score: number }> };
    }>((await readmeQueries()).get('IrisSpecies') as string);
    expect(data.iris.label).toBe('virginica');
    expect(data.iris.top.map((t) => t.label)[0]).toBe('virginica');
    expect(data.iris.top).toHaveLength(3);
    expect(data.iris.confidence).toBeGreaterThan(0.5);
  });

  test('IrisMany', async () => {
    const data = await client.request<Record<string, unknown>>((await readmeQueries()).get('IrisMany') as string);
    expect(data).toMatchObject({
      small: { label: 'setosa' },
      large: { label: 'virginica' },
      rows: [{ label: 'versicolor' }, { label: 'setosa' }],
    });
  });

  test('IrisCompact', async () => {
    const data = await client.request<{ irisBatchCompact: Array<{ label: string; confidence: number }> }>(
      (await readmeQueries()).get('IrisCompact') as string,
    );
    expect(data.irisBatchCompact.map((p) => p.label)).toEqual(['setosa', 'virginica']);
  });

  test('Models', async () => {
    const data = await client.request<{
      models: Array<{ name: string; state: string; inputs: Array<{ shape: string[] }> }>;
    }>((await readmeQueries()).get('Models') as string);
    expect(data.models.map((m) => [m.name, m.state])).toEqual([
      ['iris', 'READY'],
      ['mnist', 'READY'],
    ]);
    expect(data.models[1].inputs[0].shape).toEqual(['batch', '784']);
  });

  test('Raw', async () => {
    const data = await client.request<{
      infer: { outputs: Array<{ name: string; shape: number[]; values: number[] }> };
    }>((await readmeQueries()).get('Raw') as string);
    const [probabilities] = data.infer.outputs;
    expect(probabilities.name).toBe('probabilities');
    expect(probabilities.shape).toEqual([2, 3]);
    expect(probabilities.values.slice(0, 3).indexOf(Math.max(...probabilities.values.slice(0, 3)))).toBe(0);
    expect(probabilities.values.slice(3).indexOf(Math.max(...probabilities.values.slice(3)))).toBe(2);
  });
});
