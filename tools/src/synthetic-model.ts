import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig, ModelConfigJson } from '@mserve/inference';
import { createMlp } from './mlp.js';
import { exportMlpToOnnx } from './onnx-export.js';
import { mulberry32 } from './prng.js';

/** The shape and serving settings of a synthetic model. */
export interface SyntheticModelOptions {
  /** Width of each of the two hidden layers: the cost of one row grows with its square. */
  hidden: number;
  batching: ModelConfigJson['batching'];
  instances?: number;
  threadsPerInstance?: number;
  seed?: number;
}

/** Named columns of the synthetic model's one input tensor, `features`. */
export const SYNTHETIC_FIELDS = ['a', 'b', 'c', 'd'] as const;

/**
 * Writes `<root>/<name>/1/model.onnx` and `<root>/<name>/config.json` for an untrained MLP
 * 4 → hidden → hidden → 3 with random weights (fixed seed). It predicts nothing useful: it is for
 * tests that need the cost of a request to be in the model rather than in its input (16 bytes a
 * row), such as overload, deadline and shutdown tests, so the worker thread is the bottleneck and
 * not the HTTP layer.
 */
export function writeSyntheticModel(root: string, name: string, options: SyntheticModelOptions): void {
  const mlp = createMlp([SYNTHETIC_FIELDS.length, options.hidden, options.hidden, 3], mulberry32(options.seed ?? 1));
  const onnx = exportMlpToOnnx({
    mlp,
    inputName: 'features',
    outputName: 'probabilities',
    graphName: name,
    description: `synthetic 4-${options.hidden}-${options.hidden}-3 MLP with random weights`,
    metadata: {},
  });
  const config: ModelConfigJson = {
    description: `Synthetic load model: a 4-${options.hidden}-${options.hidden}-3 MLP with random weights.`,
    task: 'classification',
    inputs: [{ tensor: 'features', dtype: 'float32', fields: SYNTHETIC_FIELDS.map((field) => ({ name: field })) }],
    outputs: { probabilities: { tensor: 'probabilities', kind: 'probabilities' } },
    labels: ['x', 'y', 'z'],
    batching: options.batching,
    instances: options.instances ?? 1,
    threadsPerInstance: options.threadsPerInstance ?? 1,
    warmup: { batchSizes: [1, options.batching.maxBatchSize] },
  };
  mkdirSync(join(root, name, '1'), { recursive: true });
  writeFileSync(join(root, name, '1', 'model.onnx'), onnx);
  writeFileSync(join(root, name, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/** The serving settings of a wide model in mnist's contract (see writeWideModel). */
export interface WideModelOptions {
  /** Width of each of the two hidden layers (default 2048: 784-2048-2048-10). */
  hidden?: number;
  batching: ModelConfigJson['batching'];
  instances?: number;
  threadsPerInstance?: number;
  seed?: number;
}

/**
 * Writes `<root>/<name>/1/model.onnx` and `<root>/<name>/config.json`: an untrained
 * 784-hidden-hidden-10 MLP with random weights (fixed seed) under the contract of `contract`
 * (mnist's config.json: one 784-pixel vector in, ten digit probabilities out). Served as `mnist`
 * from its own repository, it answers mnist's GraphQL fields with real digits as input, at about
 * 25 times the cost of a row: a compute-heavy model for the benchmarks, where batching decides the
 * throughput and the request path does not.
 */
export function writeWideModel(root: string, name: string, contract: ModelConfig, options: WideModelOptions): void {
  const hidden = options.hidden ?? 2048;
  const input = contract.inputs[0];
  const width = input.size;
  const classes = contract.labels?.length ?? 10;
  const output = Object.values(contract.outputs)[0];
  const mlp = createMlp([width, hidden, hidden, classes], mulberry32(options.seed ?? 1));
  const shape = `${width}-${hidden}-${hidden}-${classes}`;
  const onnx = exportMlpToOnnx({
    mlp,
    inputName: input.tensor,
    outputName: output.tensor,
    graphName: name,
    description: `synthetic ${shape} MLP with random weights`,
    metadata: {},
  });
  const config: ModelConfigJson = {
    ...contract,
    // The parsed row layout is not part of the document.
    inputs: contract.inputs.map(({ size: _size, fields, ...spec }) => ({
      ...spec,
      fields: fields.map(({ offset: _offset, size: _fieldSize, ...field }) => field),
    })),
    description: `Compute-heavy benchmark model: a ${shape} MLP with random weights, in the contract of ${contract.description}`,
    batching: options.batching,
    instances: options.instances ?? 1,
    threadsPerInstance: options.threadsPerInstance ?? 2,
    warmup: { batchSizes: [1, options.batching.maxBatchSize] },
  };
  mkdirSync(join(root, name, '1'), { recursive: true });
  writeFileSync(join(root, name, '1', 'model.onnx'), onnx);
  writeFileSync(join(root, name, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
