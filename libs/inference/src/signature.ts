import { isDType } from './dtypes.js';
import { ConfigError } from './config-error.js';
import type { ModelConfig } from './model-config.js';
import type { ModelSignature, TensorSignature } from './worker-protocol.js';

/** A dim the session leaves open (symbolic name, or -1/unknown). */
export function isSymbolic(dim: number | string): boolean {
  return typeof dim === 'string' || dim < 0;
}

/**
 * Checks the contract against the tensors the ONNX session declares. Throws a ConfigError naming the
 * contract field on the first mismatch: a missing or extra tensor, a dtype, a per-row shape, a
 * batch axis that is not symbolic, or a label count that differs from the class axis.
 */
export function checkSignature(config: ModelConfig, signature: ModelSignature): void {
  const byName = (list: TensorSignature[]) => new Map(list.map((t) => [t.name, t]));
  const inputs = byName(signature.inputs);
  const outputs = byName(signature.outputs);
  const names = (map: Map<string, TensorSignature>) => [...map.keys()].join(', ');

  config.inputs.forEach((spec, i) => {
    const path = `inputs[${i}]`;
    const actual = inputs.get(spec.tensor);
    if (!actual)
      throw new ConfigError(`${path}.tensor: the model has no input "${spec.tensor}"; its inputs are ${names(inputs)}`);
    const { dtype } = spec;
    if (actual.type !== dtype)
      throw new ConfigError(`${path}.dtype: the contract says ${dtype} but input "${spec.tensor}" is ${actual.type}`);
    checkBatchAxis(actual, `${path}.tensor`);
    const rowShape = spec.shape;
    const modelRow = actual.shape.slice(1);
    const fits = modelRow.length === rowShape.length && modelRow.every((d, k) => isSymbolic(d) || d === rowShape[k]);
    if (!fits) {
      throw new ConfigError(
        `${path}.shape: the contract gives rows of [${rowShape.join(', ')}] but input "${spec.tensor}" takes [${modelRow.join(', ')}]`,
      );
    }
  });
  const covered = new Set(config.inputs.map((spec) => spec.tensor));
  for (const name of inputs.keys()) {
    if (!covered.has(name)) throw new ConfigError(`inputs: the model's input "${name}" has no entry in the contract`);
  }

  for (const [field, spec] of Object.entries(config.outputs)) {
    const path = `outputs.${field}`;
    const actual = outputs.get(spec.tensor);
    if (!actual)
      throw new ConfigError(
        `${path}.tensor: the model has no output "${spec.tensor}"; its outputs are ${names(outputs)}`,
      );
    if (!actual.isTensor || !isDType(actual.type))
      throw new ConfigError(`${path}.tensor: output "${spec.tensor}" is ${actual.type}, not a supported tensor`);
    checkBatchAxis(actual, `${path}.tensor`);
    const classes = actual.shape[actual.shape.length - 1];
    const isClassAxis = spec.kind === 'probabilities' || spec.kind === 'logits';
    if (isClassAxis && config.labels && !isSymbolic(classes) && classes !== 1 && classes !== config.labels.length) {
      throw new ConfigError(
        `labels: the contract has ${config.labels.length} labels but output "${spec.tensor}" has ${classes} classes`,
      );
    }
  }
}

function checkBatchAxis(tensor: TensorSignature, path: string): void {
  if (tensor.shape.length === 0 || !isSymbolic(tensor.shape[0])) {
    throw new ConfigError(
      `${path}: "${tensor.name}" has shape [${tensor.shape.join(', ')}]; its first axis must be a symbolic batch dimension`,
    );
  }
}
