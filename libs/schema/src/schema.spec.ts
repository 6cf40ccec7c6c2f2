import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { ModelRepository, type InferenceError, type Prediction } from '@mserve/inference';
import { graphql, type GraphQLSchema } from 'graphql';
import { buildModelSchema, printModelSchema } from './build-schema.js';
import type { SchemaContext } from './context.js';

const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));

/** A context without DataLoaders: each field goes straight to the model. */
function directContext(repository: ModelRepository): SchemaContext {
  return {
    repository,
    predict: (model, version, items): Promise<Array<Prediction | InferenceError>> =>
      repository.get(model, version).predict(items),
    predictColumns: async (model, version, columns): Promise<Array<Prediction | InferenceError>> => {
      const loaded = repository.get(model, version);
      return loaded.predictEncoded(loaded.encodeColumns(columns));
    },
  };
}

describe('the generated schema', () => {
  let repository: ModelRepository;
  let schema: GraphQLSchema;
  const run = (source: string) => graphql({ schema, source, contextValue: directContext(repository) });

  beforeAll(async () => {
    repository = await ModelRepository.open({ root: MODELS });
    await repository.ready();
    schema = await buildModelSchema();
  });
  afterAll(() => repository.close());

  test('has the fixed query names of the default models', () => {
    const fields = Object.keys(schema.getQueryType()?.getFields() ?? {}).sort();
    expect(fields).toEqual([
      'infer',
      'iris',
      'irisBatch',
      'irisBatchCompact',
      'mnist',
      'mnistBatch',
      'mnistBatchCompact',
      'model',
      'models',
    ]);
  });

  test('puts units and ranges from the contract into the field descriptions', async () => {
    const sdl = await printModelSchema();
    expect(sdl).toContain('"""Sepal length. Unit: cm. Range: 0 to 30."""');
    expect(sdl).toMatch(/pixels: \[Float!\]!/);
  });

  test('top(k) orders classes by probability', async () => {
    const result = await run(
      '{ iris(input: { sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6.0, petalWidth: 2.5 }) { label probabilities top(k: 2) { label classIndex score } } }',
    );
    expect(result.errors).toBeUndefined();
    const iris = result.data?.iris as {
      label: string;
      probabilities: number[];
      top: Array<{ label: string; classIndex: number; score: number }>;
    };
    expect(iris.top).toHaveLength(2);
    expect(iris.top[0]).toEqual({ label: iris.label, classIndex: 2, score: Math.max(...iris.probabilities) });
    expect(iris.top[0].score).toBeGreaterThanOrEqual(iris.top[1].score);
  });

  test('the compact form gives the same predictions as lists, and fails a bad row alone', async () => {
    const rows = [
      [5.1, 3.5, 1.4, 0.2],
      [6.3, 3.3, 6.0, 2.5],
      [5.9, 3.0, 4.2, -1],
    ];
    const column = (k: number) => Buffer.from(new Float32Array(rows.map((row) => row[k])).buffer).toString('base64');
    const columns = `{ sepalLength: "${column(0)}", sepalWidth: "${column(1)}", petalLength: "${column(2)}", petalWidth: "${column(3)}" }`;
    const compact = await run(`{ irisBatchCompact(columns: ${columns}) { label classIndex } }`);
    const lists = await run(
      `{ irisBatch(inputs: [${rows.slice(0, 2).map((r) => `{ sepalLength: ${r[0]}, sepalWidth: ${r[1]}, petalLength: ${r[2]}, petalWidth: ${r[3]} }`)}]) { label classIndex } }`,
    );
    expect((compact.data?.irisBatchCompact as unknown[]).slice(0, 2)).toEqual(lists.data?.irisBatch);
    expect((compact.data?.irisBatchCompact as unknown[])[2]).toBeNull();
    expect(compact.errors?.map((e) => [e.message, e.path])).toEqual([
      ['Invalid input at item 2, field petalWidth: must be ≥ 0, got -1', ['irisBatchCompact', 2]],
    ]);

    const torn = await run(
      `{ irisBatchCompact(columns: { sepalLength: "${column(0)}", sepalWidth: "${column(1)}", petalLength: "${column(2)}", petalWidth: "AAAA" }) { label } }`,
    );
    expect(torn.data?.irisBatchCompact).toBeNull();
    expect(torn.errors?.[0].message).toBe(
      'Invalid input at item 0, field petalWidth: must hold whole rows of 4 bytes (1 × float32); it has 3 bytes, so this row is incomplete',
    );
  });

  test('model(name) describes the contract merged with the ONNX signature', async () => {
    const result = await run(
      '{ model(name: "mnist") { name task labels defaultVersion inputs { name dtype shape fields { name length min max } } outputs { name kind shape } } nope: model(name: "nope") { name } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      model: {
        name: 'mnist',
        task: 'classification',
        labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        defaultVersion: 1,
        inputs: [
          {
            name: 'pixels',
            dtype: 'float32',
            shape: ['batch', '784'],
            fields: [{ name: 'pixels', length: 784, min: 0, max: 1 }],
          },
        ],
        outputs: [{ name: 'probabilities', kind: 'probabilities', shape: ['batch', '10'] }],
      },
      nope: null,
    });
  });

  test('infer takes raw tensors as values or base64 and checks their shape', async () => {
    const rows = [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5];
    const asValues = await run(
      `{ infer(model: "iris", inputs: [{ name: "features", shape: [2, 4], values: [${rows}] }]) { outputs { name shape values } } }`,
    );
    const base64 = Buffer.from(new Float32Array(rows).buffer).toString('base64');
    const asBase64 = await run(
      `{ infer(model: "iris", inputs: [{ name: "features", shape: [2, 4], base64: "${base64}" }]) { outputs { name shape values } } }`,
    );
    expect(asValues.errors).toBeUndefined();
    expect(asBase64.data).toEqual(asValues.data);

    const badShape = await run(
      `{ infer(model: "iris", inputs: [{ name: "features", shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }]) { model } }`,
    );
    expect(badShape.errors?.[0].message).toBe(
      'Invalid input at item 0, field inputs.features.shape[1]: must be 4, got 3',
    );
    const badCount = await run(
      `{ infer(model: "iris", inputs: [{ name: "features", shape: [2, 4], values: [1, 2, 3] }]) { model } }`,
    );
    expect(badCount.errors?.[0].message).toBe(
      'Invalid input at item 0, field inputs.features: must have 8 elements for shape [2, 4], got 3',
    );
    const unknown = await run(
      `{ infer(model: "iris", inputs: [{ name: "x", shape: [1, 4], values: [1, 2, 3, 4] }]) { model } }`,
    );
    expect(unknown.errors?.[0].message).toBe(
      'Invalid input at item 0, field inputs.x: the model has no such input; its inputs are features',
    );
  });
});
