import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { loadIrisSplit, sampleRows } from '@mserve/tools/datasets';
import { parse } from 'graphql';
import { postGraphQL, startServer, type GraphQLResponse, type TestServer } from './harness.js';

// A supergraph of two subgraphs on real loopback ports, joined by a real gateway: a catalogue that
// owns Flower (its id, name and measurements) and this API (FEDERATION=true), whose iris contract
// extends Flower with `species`. The gateway resolves `flowers { species }` by sending this API
// one `_entities` call with every flower's representation.

const MEASUREMENTS = ['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'] as const;
type Measurements = Record<(typeof MEASUREMENTS)[number], number>;
interface CatalogueFlower extends Measurements {
  id: string;
  name: string;
}

const CATALOGUE_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  "The flowers of the catalogue, in the order of ids."
  flowers(ids: [ID!]!): [Flower!]!
}

"A flower of the catalogue."
type Flower @key(fields: "id") {
  "The catalogue's identifier."
  id: ID!
  name: String!
  "Sepal length, cm."
  sepalLength: Float!
  "Sepal width, cm."
  sepalWidth: Float!
  "Petal length, cm."
  petalLength: Float!
  "Petal width, cm."
  petalWidth: Float!
}
`;

/** The 150 real iris flowers, then one whose sepal length (99 cm) is outside the contract's range. */
function catalogueFlowers(): Map<string, CatalogueFlower> {
  const split = loadIrisSplit();
  const rows = [...sampleRows(split.train), ...sampleRows(split.test)];
  const flowers = rows.map((row, i): CatalogueFlower => ({
    id: `flower-${i}`,
    name: `Flower ${i}`,
    ...measurements(row),
  }));
  flowers.push({
    id: 'flower-bad',
    name: 'Mismeasured flower',
    sepalLength: 99,
    sepalWidth: 3,
    petalLength: 1.4,
    petalWidth: 0.2,
  });
  return new Map(flowers.map((flower) => [flower.id, flower]));
}

function measurements(row: readonly number[]): Measurements {
  return { sepalLength: row[0], sepalWidth: row[1], petalLength: row[2], petalWidth: row[3] };
}

/** The catalogue subgraph (test only): owns Flower, knows nothing of models. */
async function startCatalogue(flowers: Map<string, CatalogueFlower>): Promise<{ url: string; stop(): Promise<void> }> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(CATALOGUE_SDL),
    resolvers: {
      Query: { flowers: (_: unknown, { ids }: { ids: string[] }) => ids.map((id) => flowers.get(id) ?? null) },
      Flower: { __resolveReference: (reference: { id: string }) => flowers.get(reference.id) ?? null },
    },
  });
  const server = new ApolloServer({ schema });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

const FLOWERS_QUERY =
  'query Flowers($ids: [ID!]!) { flowers(ids: $ids) { id name species { label classIndex confidence probabilities } } }';
const IRIS_BATCH =
  'query Direct($inputs: [IrisInput!]!) { irisBatch(inputs: $inputs) { label classIndex confidence probabilities } }';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const README = `${REPO_ROOT}README.md`;

interface SpeciesAnswer {
  label: string;
  classIndex: number;
  confidence: number;
  probabilities: number[];
}

describe.each([
  ['on', true],
  ['off', false],
])('FEDERATION=true behind a real gateway (fast path %s)', (_name, fastPath) => {
  const flowers = catalogueFlowers();
  let api: TestServer;
  let catalogue: { url: string; stop(): Promise<void> };
  let gateway: { url: string; stop(): Promise<void> };
  let hints: string[];

  beforeAll(async () => {
    api = await startServer({ federation: true, fastPath, models: ['iris'] });
    catalogue = await startCatalogue(flowers);
    const service = await api.graphql('{ _service { sdl } }');
    const sdl = (service.body.data?._service as { sdl: string }).sdl;
    const composed = composeServices([
      { name: 'mserve', typeDefs: parse(sdl), url: `${api.url}/graphql` },
      { name: 'catalogue', typeDefs: parse(CATALOGUE_SDL), url: catalogue.url },
    ]);
    if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
    hints = composed.hints.map((hint) => hint.toString());
    const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    gateway = { url, stop: () => server.stop() };
  });

  afterAll(async () => {
    await gateway?.stop();
    await catalogue?.stop();
    await api?.close();
  });

  /** Asks the gateway for `ids`, and counts what the iris model ran meanwhile. */
  async function viaGateway(
    ids: string[],
  ): Promise<{ response: GraphQLResponse; executions: number; batches: number; rows: number }> {
    const before = await irisCounters(api);
    const response = await postGraphQL(
      gateway.url.replace(/\/$/, ''),
      JSON.stringify({ query: FLOWERS_QUERY, variables: { ids } }),
    );
    const after = await irisCounters(api);
    return {
      response,
      executions: after.executions - before.executions,
      batches: after.batches - before.batches,
      rows: after.rows - before.rows,
    };
  }

  /** The direct answers of `irisBatch` for the catalogue's measurements of `ids`. */
  async function direct(ids: string[]): Promise<SpeciesAnswer[]> {
    const inputs = ids.map((id) => Object.fromEntries(MEASUREMENTS.map((m) => [m, flowers.get(id)?.[m]])));
    const response = await api.graphql(IRIS_BATCH, { inputs });
    expect(response.body.errors).toBeUndefined();
    return response.body.data?.irisBatch as SpeciesAnswer[];
  }

  test('the subgraph SDL composes with the catalogue with no errors and no hints', async () => {
    expect(hints).toEqual([]);
    const sdl = ((await api.graphql('{ _service { sdl } }')).body.data?._service as { sdl: string }).sdl;
    expect(sdl).toContain('type Flower\n  @key(fields: "id")');
    expect(sdl).toContain('sepalLength: Float! @external');
    expect(sdl).toContain('species: IrisPrediction @requires(fields: "sepalLength sepalWidth petalLength petalWidth")');
  });

  test('100 flowers with species run as one iris execution of 100 rows, with the answers of irisBatch', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `flower-${i + 25}`);
    const { response, executions, batches, rows } = await viaGateway(ids);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect({ executions, batches, rows }).toEqual({ executions: 1, batches: 1, rows: 100 });
    const got = response.body.data?.flowers as Array<{ id: string; name: string; species: SpeciesAnswer }>;
    expect(got.map((flower) => flower.id)).toEqual(ids);
    expect(got.map((flower) => flower.name)).toEqual(ids.map((id) => flowers.get(id)?.name));
    expect(got.map((flower) => flower.species)).toEqual(await direct(ids));
  });

  test("the README's FlowerSpecies query answers through the gateway", async () => {
    const query = /```graphql\n(query FlowerSpecies[\s\S]*?)```/.exec(await readFile(README, 'utf8'))?.[1];
    expect(query).toBeDefined();
    const response = await postGraphQL(gateway.url.replace(/\/$/, ''), JSON.stringify({ query }));
    expect(response.body.errors).toBeUndefined();
    const got = response.body.data?.flowers as Array<{ id: string; species: { label: string; confidence: number } }>;
    const expected = await direct(got.map((flower) => flower.id));
    expect(got.map((flower) => [flower.id, flower.species])).toEqual(
      expected.map((answer, i) => [got[i].id, { label: answer.label, confidence: answer.confidence }]),
    );
    expect(got).toHaveLength(3);
  });

  test('one bad flower among 100 fails alone with BAD_USER_INPUT naming its index and field', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => (i === 37 ? 'flower-bad' : `flower-${i}`));
    const { response, executions, rows } = await viaGateway(ids);
    expect(response.status).toBe(200);
    expect({ executions, rows }).toEqual({ executions: 1, rows: 99 });
    const got = response.body.data?.flowers as Array<{ id: string; species: SpeciesAnswer | null }>;
    expect(got).toHaveLength(100);
    expect(got[37]).toMatchObject({ id: 'flower-bad', species: null });
    const good = ids.filter((id) => id !== 'flower-bad');
    expect(got.filter((flower) => flower.id !== 'flower-bad').map((flower) => flower.species)).toEqual(
      await direct(good),
    );
    const errors = response.body.errors ?? [];
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error.message).toBe('Invalid input at item 37, field sepalLength: must be ≤ 30, got 99');
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.path).toEqual(['flowers', 37, 'species']);
  });
});

describe('FEDERATION off (the default)', () => {
  // A process of its own, since this test file itself loads the federation packages. It counts the
  // federation modules loaded after a server without federation has started and stopped, then
  // after a server with it has (which shows that the count sees them).
  test('loads no federation package (FEDERATION=true does)', async () => {
    const script = `
      import 'reflect-metadata';
      import { createRequire } from 'node:module';
      import { configWith } from './apps/api/src/config.ts';
      import { createApiServer } from './apps/api/src/server.ts';
      const federationModules = () => Object.keys(createRequire(import.meta.url).cache).filter((path) => /@apollo[\\\\/](subgraph|federation-internals)[\\\\/]/.test(path)).length;
      const counts = [];
      for (const federation of [false, true]) {
        const server = await createApiServer(configWith({ port: 0, host: '127.0.0.1', models: ['iris'], federation, logLevel: 'silent' }));
        await server.close();
        counts.push(federationModules());
      }
      console.log(JSON.stringify(counts));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions', '@mserve/source', '--import', 'tsx/esm', '--input-type=module', '-e', script],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.base.json' },
      },
    );
    const [without, withFederation] = JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as number[];
    expect(without).toBe(0);
    expect(withFederation).toBeGreaterThan(0);
  });

  test('serves no federation fields', async () => {
    const api = await startServer({ models: ['iris'] });
    try {
      const response = await api.graphql('{ _service { sdl } }');
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.message).toBe('Cannot query field "_service" on type "Query".');
      const entities = await api.graphql('{ __type(name: "Flower") { name } }');
      expect(entities.body.data).toEqual({ __type: null });
    } finally {
      await api.close();
    }
  });
});

/** The iris model's session runs, batches and rows run (from /metrics). */
async function irisCounters(api: TestServer): Promise<{ executions: number; batches: number; rows: number }> {
  const labels = { model: 'iris' };
  return {
    executions: await api.metric('inference_executions_total', labels),
    batches: await api.metric('inference_batch_size_count', labels),
    rows: await api.metric('inference_batch_size_sum', labels),
  };
}
