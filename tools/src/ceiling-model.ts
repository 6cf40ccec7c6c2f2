/**
 * The load benchmark's ceiling: the API serving a model with the contract of the one under test
 * whose compute costs next to nothing, so what is left is the cost of HTTP, GraphQL, the contract
 * checks, the batcher and the session worker. Built here, on the harness side: a temporary model
 * repository the ceiling server is pointed at (MODELS_DIR); nothing in the API knows it exists.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelConfig } from '@mserve/inference';
import { createMlp } from './mlp.js';
import { exportMlpToOnnx } from './onnx-export.js';
import { mulberry32 } from './prng.js';

/** A temporary model repository holding the ceiling twin of `model`; `dispose` removes it. */
export interface CeilingModels {
  root: string;
  dispose(): void;
}

/**
 * Writes `<tmp>/<model>/config.json` (the model's own contract, unchanged) and
 * `<tmp>/<model>/1/model.onnx`: one Gemm from the input row to the classes and a softmax, with
 * random weights (it predicts nothing useful), in place of the real network. The model must be a
 * classifier with one float32 input tensor, as mnist and iris are.
 */
export function writeCeilingModels(modelsDir: string, model: string): CeilingModels {
  const configText = readFileSync(join(modelsDir, model, 'config.json'), 'utf8');
  const config = JSON.parse(configText) as ModelConfig;
  const [input, ...others] = config.inputs;
  const outputs = Object.values(config.outputs);
  if (
    !input ||
    others.length > 0 ||
    (input.dtype ?? 'float32') !== 'float32' ||
    config.task !== 'classification' ||
    outputs.length !== 1 ||
    !config.labels
  ) {
    throw new Error(
      `no ceiling model for ${model}: it needs one float32 input tensor and one probabilities output of a classifier`,
    );
  }
  const width = input.fields.reduce((sum, field) => sum + (field.length ?? 1), 0);
  const onnx = exportMlpToOnnx({
    mlp: createMlp([width, config.labels.length], mulberry32(1)),
    inputName: input.tensor,
    outputName: outputs[0].tensor,
    graphName: `${model}-ceiling`,
    description: `the ceiling twin of ${model}: one ${width}-${config.labels.length} layer`,
    metadata: {},
  });
  const root = mkdtempSync(join(tmpdir(), 'mserve-ceiling-'));
  mkdirSync(join(root, model, '1'), { recursive: true });
  writeFileSync(join(root, model, 'config.json'), configText);
  writeFileSync(join(root, model, '1', 'model.onnx'), onnx);
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
