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
