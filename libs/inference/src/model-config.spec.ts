import { readdirSync, readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';
import { parseModelConfig } from './model-config.js';

const MODELS = new URL('../../../models/', import.meta.url);

const base = {
  description: 'Iris species',
  task: 'classification',
  inputs: [{ tensor: 'features', fields: [{ name: 'sepalLength', unit: 'cm', min: 0, max: 30 }] }],
  outputs: { probabilities: { tensor: 'probabilities', kind: 'probabilities' } },
  labels: ['a'],
  batching: { maxBatchSize: 16, maxQueueSize: 100, timeoutMs: 1000 },
};

describe('parseModelConfig', () => {
  test('fills defaults', () => {
    const config = parseModelConfig(base);
    expect(config.instances).toBe(1);
    expect(config.batching.maxQueueDelayMicros).toBe(0);
    expect(config.inputs[0].dtype).toBe('float32');
    expect(config.batching.dynamic).toBe(true);
    expect(config.executionProviders).toEqual(['cpu']);
    expect(config.allowCpuFallback).toBe(false);
    expect(config.threshold).toBe(0.5);
    expect(config.warmup).toEqual({ batchSizes: [1, 16] });
    expect(config.inputs[0]).toMatchObject({
      shape: [1],
      size: 1,
      fields: [{ name: 'sepalLength', offset: 0, size: 1 }],
    });
    expect(parseModelConfig({ ...base, batching: { ...base.batching, dynamic: false } }).batching.dynamic).toBe(false);
  });

  test('priority levels: per-level queue bounds and the aging period are optional and kept as given', () => {
    expect(parseModelConfig(base).batching.priorityQueueSizes).toBeUndefined();
    const batching = parseModelConfig({
      ...base,
      batching: { ...base.batching, priorityQueueSizes: { low: 500, high: 50 }, priorityAgingMs: 250 },
    }).batching;
    expect(batching.priorityQueueSizes).toEqual({ low: 500, high: 50 });
    expect(batching.priorityAgingMs).toBe(250);
  });

  test.each([
    [{ ...base, task: 'guess' }, 'task: must be one of classification, regression, embedding, got "guess"'],
    [{ ...base, inputs: [] }, 'inputs: at least 1 entry is required'],
    [
      { ...base, inputs: [{ tensor: 'features', fields: [{ name: 'x', min: 2, max: 1 }] }] },
      'inputs[0].fields[0]: min 2 is greater than max 1',
    ],
    [
      { ...base, inputs: [{ tensor: 'features', fields: [{ name: 'bad-name' }] }] },
      'inputs[0].fields[0].name: "bad-name" is not a valid GraphQL name',
    ],
    [
      { ...base, inputs: [{ tensor: 'f', shape: [2, 2], fields: [{ name: 'x', length: 3 }] }] },
      'inputs[0].shape: [2, 2] holds 4 elements but the fields hold 3',
    ],
    [
      { ...base, inputs: [{ tensor: 'f', dtype: 'float16', fields: [{ name: 'x' }] }] },
      'inputs[0].dtype: must be one of float32, float64, int32, int64, bool, string, got "float16"',
    ],
    [{ ...base, batching: { maxBatchSize: 0, maxQueueSize: 1, timeoutMs: 1 } }, 'batching.maxBatchSize: must be >= 1'],
    [
      { ...base, outputs: { p: { tensor: 'p', kind: 'votes' } } },
      'outputs.p.kind: must be one of probabilities, logits, regression, embedding, got "votes"',
    ],
    [{ ...base, instance: 2 }, 'instance: unknown setting'],
    [{ ...base, batching: { ...base.batching, dynamic: 'no' } }, 'batching.dynamic: must be boolean'],
    [
      { ...base, batching: { ...base.batching, priorityQueueSizes: { urgent: 10 } } },
      'batching.priorityQueueSizes: must be one of high, normal, low, got "urgent"',
    ],
    [
      { ...base, batching: { ...base.batching, priorityQueueSizes: { low: 0 } } },
      'batching.priorityQueueSizes.low: must be >= 1',
    ],
    [{ ...base, batching: { ...base.batching, priorityAgingMs: 0 } }, 'batching.priorityAgingMs: must be >= 1'],
    [
      {
        ...base,
        inputs: [
          { tensor: 'a', fields: [{ name: 'x' }] },
          { tensor: 'b', fields: [{ name: 'x' }] },
        ],
      },
      'inputs[].fields[].name: "x" appears twice',
    ],
    [{ ...base, batching: { maxQueueSize: 1, timeoutMs: 1 } }, 'batching.maxBatchSize: is required'],
    [
      { ...base, inputs: [{ tensor: 'f', fields: [{ name: 'x', length: 3, default: 0 }] }] },
      'inputs[0].fields[0].default: vector fields cannot have a default',
    ],
    [{ ...base, outputs: { 'p-q': { tensor: 'p', kind: 'logits' } } }, 'outputs: "p-q" is not a valid GraphQL name'],
    [
      { ...base, warmup: { batchSizes: [1, 17] } },
      'warmup.batchSizes[1]: must be at most batching.maxBatchSize (16), got 17',
    ],
    [{ ...base, entities: [{ key: 'id' }] }, 'entities[0].type: is required'],
    [
      { ...base, entities: [{ type: 'Flower', key: 'id', inputs: { petal: 'petal' } }] },
      'entities[0].inputs.petal: the model has no input field "petal"',
    ],
  ])('rejects a bad contract with a message naming the field (%#)', (json, expected) => {
    expect(() => parseModelConfig(json)).toThrow(new ConfigError(expected));
  });

  test('lays out each input tensor once: offsets and sizes of its fields, its shape and row size', () => {
    const config = parseModelConfig({
      ...base,
      inputs: [
        { tensor: 'f', shape: [2, 3], fields: [{ name: 'a' }, { name: 'v', length: 4 }, { name: 'b', default: 1 }] },
      ],
    });
    expect(config.inputs[0]).toMatchObject({ dtype: 'float32', shape: [2, 3], size: 6 });
    expect(config.inputs[0].fields.map((f) => [f.name, f.offset, f.size])).toEqual([
      ['a', 0, 1],
      ['v', 1, 4],
      ['b', 5, 1],
    ]);
  });

  test('types the federation entities, filling the prediction field and same-named inputs', () => {
    const config = parseModelConfig({
      ...base,
      $schema: '../config.schema.json',
      entities: [
        { type: 'Flower', key: 'id' },
        { type: 'Plant', key: 'id', field: 'species', inputs: { sepalLength: 'sepal' } },
      ],
    });
    expect(config.entities).toEqual([
      { type: 'Flower', key: 'id', field: 'prediction', inputs: { sepalLength: 'sepalLength' } },
      { type: 'Plant', key: 'id', field: 'species', inputs: { sepalLength: 'sepal' } },
    ]);
    expect(config).not.toHaveProperty('$schema');
  });

  test('never changes the document it was given', () => {
    const json = structuredClone(base);
    parseModelConfig(json);
    expect(json).toEqual(base);
  });

  test.each(
    readdirSync(MODELS, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name),
  )('models/%s/config.json names the schema for editors and satisfies it', (name) => {
    const json = JSON.parse(readFileSync(new URL(`${name}/config.json`, MODELS), 'utf8')) as Record<string, unknown>;
    expect(json.$schema).toBe('../config.schema.json');
    expect(() => parseModelConfig(json)).not.toThrow();
  });
});

describe('parseModelConfig: entities', () => {
  const two = {
    ...base,
    inputs: [{ tensor: 'features', fields: [{ name: 'sepalLength' }, { name: 'petalWidth', default: 1 }] }],
  };

  test('fills the prediction field name and maps unlisted fields to their own names', () => {
    const config = parseModelConfig({
      ...two,
      entities: [{ type: 'Flower', key: ' id  sku ', inputs: { sepalLength: 'sepalLengthCm' } }],
    });
    expect(config.entities).toEqual([
      {
        type: 'Flower',
        key: 'id sku',
        field: 'prediction',
        inputs: { sepalLength: 'sepalLengthCm', petalWidth: 'petalWidth' },
      },
    ]);
    expect(parseModelConfig(base).entities).toBeUndefined();
  });

  test.each([
    [[{ key: 'id' }], 'entities[0].type: is required'],
    [[{ type: 'Flower' }], 'entities[0].key: is required'],
    [
      [{ type: 'Flower', key: 'id { sub }' }],
      'entities[0].key: "id { sub }" must be field names separated by spaces (nested keys are not supported)',
    ],
    [
      [{ type: 'Flower', key: 'id', inputs: { sepalWidth: 'w' } }],
      'entities[0].inputs.sepalWidth: the model has no input field "sepalWidth"',
    ],
    [
      [{ type: 'Flower', key: 'id', inputs: { sepalLength: 'petalWidth' } }],
      'entities[0].inputs: "petalWidth" appears twice',
    ],
    [[{ type: 'Flower', key: 'id', field: 'id' }], 'entities[0].field: "id" is also a key or input field of Flower'],
    [
      [{ type: 'Flower', key: 'id', field: 'sepalLength' }],
      'entities[0].field: "sepalLength" is also a key or input field of Flower',
    ],
    [[{ type: 'Flower', key: 'id', kind: 'x' }], 'entities[0].kind: unknown setting'],
    [
      [
        { type: 'Flower', key: 'id' },
        { type: 'Flower', key: 'sku' },
      ],
      'entities[].type: "Flower" appears twice',
    ],
  ])('rejects a bad entity with a message naming the field (%#)', (entities, expected) => {
    expect(() => parseModelConfig({ ...two, entities })).toThrow(new ConfigError(expected));
  });
});
