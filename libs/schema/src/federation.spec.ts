import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ModelRepository, type InferenceError, type Prediction } from '@mserve/inference';
import { graphql, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { buildModelSchema } from './build-schema.js';
import type { SchemaContext } from './context.js';
import { predictEntity } from './entity-prediction.js';
import { buildSubgraphModelSchema, printSubgraphModelSchema } from './federation.js';
import { IrisPrediction } from './generated/index.js';

const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));
const SUBGRAPH_SDL = fileURLToPath(new URL('../../../schema.subgraph.graphql', import.meta.url));

/** A context without DataLoaders, counting the rows each call asks for. */
function countingContext(repository: ModelRepository, calls: number[]): SchemaContext {
  return {
    repository,
    predict: (model, version, items, indices): Promise<Array<Prediction | InferenceError>> => {
      calls.push(items.length);
      return repository.get(model, version).predict(items, { indices });
    },
    predictColumns: () => Promise.reject(new Error('not used')),
  };
}

const FLOWER = { __typename: 'Flower', id: 'a', sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };

describe('the subgraph schema (FEDERATION=true)', () => {
  let repository: ModelRepository;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    repository = await ModelRepository.open({ root: MODELS, only: ['iris'] });
    await repository.ready();
    schema = await buildSubgraphModelSchema();
  });
  afterAll(() => repository.close());

  test('serves the committed subgraph SDL, and the API schema has no entity', async () => {
    const result = await graphql({ schema, source: '{ _service { sdl } }' });
    expect(`${(result.data?._service as { sdl: string }).sdl}\n`).toBe(await readFile(SUBGRAPH_SDL, 'utf8'));
    expect(await printSubgraphModelSchema()).toBe(await readFile(SUBGRAPH_SDL, 'utf8'));
    expect(schema.getType('Flower')).toBeDefined();
    expect((await buildModelSchema()).getType('Flower')).toBeUndefined();
    expect(Object.keys(schema.getQueryType()?.getFields() ?? {})).toEqual(
      expect.arrayContaining(['iris', 'irisBatch', 'models', '_entities', '_service']),
    );
  });

  test('_entities predicts each representation; a bad one fails alone, named by its index', async () => {
    const calls: number[] = [];
    const representations = [
      FLOWER,
      { ...FLOWER, id: 'b', petalWidth: -1 },
      { __typename: 'Flower', id: 'c', sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6 },
    ];
    const result = await graphql({
      schema,
      source: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Flower { id species { label } } } }',
      variableValues: { r: representations },
      contextValue: countingContext(repository, calls),
    });
    expect(result.data?._entities).toEqual([
      { id: 'a', species: { label: 'setosa' } },
      { id: 'b', species: null },
      { id: 'c', species: null },
    ]);
    expect(result.errors?.map((e) => [e.message, e.path])).toEqual([
      ['Invalid input at item 1, field petalWidth: must be ≥ 0, got -1', ['_entities', 1, 'species']],
      ['Invalid input at item 2, field petalWidth: is required', ['_entities', 2, 'species']],
    ]);
    expect(calls).toEqual([1, 1, 1]);
  });

  test('_entities refuses, as a whole, more representations than the limit and types it does not extend', async () => {
    const limited = await buildSubgraphModelSchema({ maxEntities: 2 });
    const calls: number[] = [];
    const run = (r: unknown[]) =>
      graphql({
        schema: limited,
        source: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Flower { species { label } } } }',
        variableValues: { r },
        contextValue: countingContext(repository, calls),
      });
    const tooMany = await run([FLOWER, FLOWER, FLOWER]);
    expect(tooMany.data).toBeNull();
    expect(tooMany.errors?.map((e) => e.message)).toEqual([
      '3 representations in one _entities call exceeds the limit of 2',
    ]);
    const stranger = await run([FLOWER, { __typename: 'ModelInfo', name: 'iris' }]);
    expect(stranger.errors?.map((e) => e.message)).toEqual([
      'Invalid input at item 1, field __typename: must name an entity type of this subgraph (Flower)',
    ]);
    expect(calls).toEqual([]);
    expect((await run([FLOWER, FLOWER])).data?._entities).toEqual([
      { species: { label: 'setosa' } },
      { species: { label: 'setosa' } },
    ]);
  });

  test('an error about a model input names the entity field it was read from', async () => {
    const inputs = {
      sepalLength: 'sepalLengthCm',
      sepalWidth: 'sepalWidth',
      petalLength: 'petalLength',
      petalWidth: 'petalWidth',
    };
    const info = {
      path: { prev: { key: 5, prev: { key: '_entities' } }, key: 'species' },
    } as unknown as GraphQLResolveInfo;
    const context = countingContext(repository, []);
    const entity = { id: 'x', sepalLengthCm: 31, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
    await expect(predictEntity(context, 'iris', entity, inputs, info, IrisPrediction)).rejects.toThrow(
      'Invalid input at item 5, field sepalLengthCm: must be ≤ 30, got 31',
    );
    const good = await predictEntity(context, 'iris', { ...entity, sepalLengthCm: 5.1 }, inputs, info, IrisPrediction);
    expect(good).toBeInstanceOf(IrisPrediction);
    expect(good.label).toBe('setosa');
  });
});
