import { toPlain } from './dtypes.js';
import { inferenceError, type InferenceError } from './errors.js';
import type { ModelConfig, OutputSpec } from './model-config.js';
import type { RowOutput } from './row-batches.js';

/** One class and its probability. */
export interface ClassScore {
  label: string;
  classIndex: number;
  score: number;
}

/**
 * What one row's outputs mean, per the contract. Classification models fill the class fields from
 * their probability (or logit) output; every declared output is also given by field name.
 */
export interface Prediction {
  label?: string;
  classIndex?: number;
  confidence?: number;
  /** Class probabilities, index-aligned with the labels (softmax of logits for a logit output). */
  probabilities?: number[];
  /** Every output of the contract by field name, as plain numbers (or strings/booleans). */
  outputs: Record<string, Array<number | string | boolean>>;
}

/**
 * The error of a row whose float output holds NaN or ±Infinity (extreme but finite inputs can
 * overflow a model), which JSON cannot carry: the row fails alone with a typed error instead of
 * failing serialization as an internal one. Undefined when every output is finite.
 */
export function nonFiniteOutput(model: string, row: RowOutput): InferenceError | undefined {
  for (const [output, tensor] of Object.entries(row)) {
    const data = tensor.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) continue;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        return inferenceError(
          'OUTPUT_NOT_FINITE',
          { model, value: String(data[i]), output, index: i },
          { output, index: i },
        );
    }
  }
  return undefined;
}

/** Reads one row's outputs as the contract describes them. */
export function interpret(config: ModelConfig, row: RowOutput): Prediction {
  const outputs: Prediction['outputs'] = {};
  let classOutput: { spec: OutputSpec; values: number[] } | undefined;
  for (const [field, spec] of Object.entries(config.outputs)) {
    const tensor = row[spec.tensor];
    const values = toPlain(tensor.dtype, tensor.data);
    outputs[field] = values;
    if (!classOutput && (spec.kind === 'probabilities' || spec.kind === 'logits'))
      classOutput = { spec, values: values as number[] };
  }
  if (config.task !== 'classification' || !classOutput) return { outputs };

  let probabilities = classOutput.spec.kind === 'logits' ? softmax(classOutput.values) : classOutput.values;
  if (probabilities.length === 1) {
    // One score: the probability of the positive class (index 1), decided by the threshold.
    const p = classOutput.spec.kind === 'logits' ? 1 / (1 + Math.exp(-classOutput.values[0])) : probabilities[0];
    probabilities = [1 - p, p];
    const classIndex = p >= config.threshold ? 1 : 0;
    return {
      outputs,
      probabilities,
      classIndex,
      label: labelOf(config, classIndex),
      confidence: probabilities[classIndex],
    };
  }
  const classIndex = argmax(probabilities);
  return {
    outputs,
    probabilities,
    classIndex,
    label: labelOf(config, classIndex),
    confidence: probabilities[classIndex],
  };
}

/** The `k` most probable classes, most probable first (ties: lower index first). */
export function topK(probabilities: readonly number[], labels: readonly string[] | undefined, k: number): ClassScore[] {
  return probabilities
    .map((score, classIndex) => ({ label: labels?.[classIndex] ?? String(classIndex), classIndex, score }))
    .sort((a, b) => b.score - a.score || a.classIndex - b.classIndex)
    .slice(0, Math.max(0, k));
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Numerically stable softmax. */
export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function labelOf(config: ModelConfig, classIndex: number): string {
  return config.labels?.[classIndex] ?? String(classIndex);
}
