import { ConfigError, parseModelConfig } from './model-config.js';

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
    expect(config.batching.dynamic).toBeUndefined();
    expect(parseModelConfig({ ...base, batching: { ...base.batching, dynamic: false } }).batching.dynamic).toBe(false);
  });

  test('priority levels: per-level queue bounds and the aging period are optional and kept as given', () => {
    expect(parseModelConfig(base).batching.priorityQueueSizes).toBeUndefined();
    const batching = parseModelConfig({ ...base, batching: { ...base.batching, priorityQueueSizes: { low: 500, high: 50 }, priorityAgingMs: 250 } }).batching;
    expect(batching.priorityQueueSizes).toEqual({ low: 500, high: 50 });
    expect(batching.priorityAgingMs).toBe(250);
  });

  test.each([
    [{ ...base, task: 'guess' }, 'task: must be one of classification, regression, embedding, got "guess"'],
    [{ ...base, inputs: [] }, 'inputs: at least one input tensor is required'],
    [{ ...base, inputs: [{ tensor: 'features', fields: [{ name: 'x', min: 2, max: 1 }] }] }, 'inputs[0].fields[0]: min 2 is greater than max 1'],
    [{ ...base, inputs: [{ tensor: 'features', fields: [{ name: 'bad-name' }] }] }, 'inputs[0].fields[0].name: "bad-name" is not a valid GraphQL name'],
    [{ ...base, inputs: [{ tensor: 'f', shape: [2, 2], fields: [{ name: 'x', length: 3 }] }] }, 'inputs[0].shape: [2, 2] holds 4 elements but the fields hold 3'],
    [{ ...base, inputs: [{ tensor: 'f', dtype: 'float16', fields: [{ name: 'x' }] }] }, 'inputs[0].dtype: must be one of float32, float64, int32, int64, bool, string, got "float16"'],
    [{ ...base, batching: { maxBatchSize: 0, maxQueueSize: 1, timeoutMs: 1 } }, 'batching.maxBatchSize: must be between 1 and 1048576, got 0'],
    [{ ...base, outputs: { p: { tensor: 'p', kind: 'votes' } } }, 'outputs.p.kind: must be one of probabilities, logits, regression, embedding, got "votes"'],
    [{ ...base, instance: 2 }, 'instance: unknown setting'],
    [{ ...base, batching: { ...base.batching, dynamic: 'no' } }, 'batching.dynamic: must be true or false'],
    [{ ...base, batching: { ...base.batching, priorityQueueSizes: { urgent: 10 } } }, 'batching.priorityQueueSizes: must be one of high, normal, low, got "urgent"'],
    [{ ...base, batching: { ...base.batching, priorityQueueSizes: { low: 0 } } }, 'batching.priorityQueueSizes.low: must be between 1 and 16777216, got 0'],
    [{ ...base, batching: { ...base.batching, priorityAgingMs: 0 } }, 'batching.priorityAgingMs: must be between 1 and 3600000, got 0'],
    [{ ...base, inputs: [{ tensor: 'a', fields: [{ name: 'x' }] }, { tensor: 'b', fields: [{ name: 'x' }] }] }, 'inputs[].fields[].name: "x" appears twice'],
  ])('rejects a bad contract with a message naming the field (%#)', (json, expected) => {
    expect(() => parseModelConfig(json)).toThrow(new ConfigError(expected));
  });
});

describe('parseModelConfig: entities', () => {
  const two = { ...base, inputs: [{ tensor: 'features', fields: [{ name: 'sepalLength' }, { name: 'petalWidth', default: 1 }] }] };

  test('fills the prediction field name and maps unlisted fields to their own names', () => {
    const config = parseModelConfig({ ...two, entities: [{ type: 'Flower', key: ' id  sku ', inputs: { sepalLength: 'sepalLengthCm' } }] });
    expect(config.entities).toEqual([{ type: 'Flower', key: 'id sku', field: 'prediction', inputs: { sepalLength: 'sepalLengthCm', petalWidth: 'petalWidth' } }]);
    expect(parseModelConfig(base).entities).toBeUndefined();
  });

  test.each([
    [[{ key: 'id' }], 'entities[0].type: must be a non-empty string'],
    [[{ type: 'Flower' }], 'entities[0].key: must be a non-empty string'],
    [[{ type: 'Flower', key: 'id { sub }' }], 'entities[0].key: "id { sub }" must be field names separated by spaces (nested keys are not supported)'],
    [[{ type: 'Flower', key: 'id', inputs: { sepalWidth: 'w' } }], 'entities[0].inputs.sepalWidth: the model has no input field "sepalWidth"'],
    [[{ type: 'Flower', key: 'id', inputs: { sepalLength: 'petalWidth' } }], 'entities[0].inputs: "petalWidth" appears twice'],
    [[{ type: 'Flower', key: 'id', field: 'id' }], 'entities[0].field: "id" is also a key or input field of Flower'],
    [[{ type: 'Flower', key: 'id', field: 'sepalLength' }], 'entities[0].field: "sepalLength" is also a key or input field of Flower'],
    [[{ type: 'Flower', key: 'id', kind: 'x' }], 'entities[0].kind: unknown setting'],
    [[{ type: 'Flower', key: 'id' }, { type: 'Flower', key: 'sku' }], 'entities[].type: "Flower" appears twice'],
  ])('rejects a bad entity with a message naming the field (%#)', (entities, expected) => {
    expect(() => parseModelConfig({ ...two, entities })).toThrow(new ConfigError(expected));
  });
});
