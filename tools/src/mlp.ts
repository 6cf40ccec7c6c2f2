import { normal, type Random } from './prng.js';

/**
 * One fully connected layer, `y = x · weights + bias`, stored the way ONNX Gemm (transB = 0) reads
 * it: `weights` is row-major `[inputs, outputs]`.
 */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
}

/** A multi-layer perceptron: dense layers with ReLU between them and softmax after the last. */
export interface Mlp {
  layers: DenseLayer[];
}

/** Gradients of the mean loss of a batch, shaped like the layers they belong to. */
export interface Gradients {
  weights: Float32Array[];
  biases: Float32Array[];
}

/** What one backward pass saw: summed loss and correct predictions of the batch's rows. */
export interface BatchResult {
  lossSum: number;
  correct: number;
}

/**
 * A new MLP of layer widths `sizes` (input first, classes last), He-initialised for ReLU
 * (normal, std √(2 / fan-in)) with zero biases.
 */
export function createMlp(sizes: readonly number[], random: Random): Mlp {
  if (sizes.length < 2) throw new RangeError('an MLP needs at least an input and an output size');
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l];
    const outputs = sizes[l + 1];
    const scale = Math.sqrt(2 / inputs);
    const weights = new Float32Array(inputs * outputs);
    for (let i = 0; i < weights.length; i++) weights[i] = normal(random) * scale;
    layers.push({ inputs, outputs, weights, bias: new Float32Array(outputs) });
  }
  return { layers };
}

/** Layer widths, input first: e.g. `[784, 512, 256, 10]`. */
export function layerSizes(mlp: Mlp): number[] {
  return [mlp.layers[0].inputs, ...mlp.layers.map((layer) => layer.outputs)];
}

/**
 * `out[r, :] = bias + a[r, :] · weights` for `rows` rows. The i-k-j loop order walks `weights` row by
 * row (cache friendly), and zero inputs are skipped: MNIST pixels and ReLU outputs are mostly zero,
 * which makes this several times faster, and adding 0 · w would not change the sum anyway.
 */
function denseForward(layer: DenseLayer, a: Float32Array, rows: number, out: Float32Array): void {
  const { inputs, outputs, weights, bias } = layer;
  for (let r = 0; r < rows; r++) {
    const outBase = r * outputs;
    out.set(bias, outBase);
    const aBase = r * inputs;
    for (let k = 0; k < inputs; k++) {
      const ak = a[aBase + k];
      if (ak === 0) continue;
      const wBase = k * outputs;
      for (let j = 0; j < outputs; j++) out[outBase + j] += ak * weights[wBase + j];
    }
  }
}

function reluInPlace(values: Float32Array, length: number): void {
  for (let i = 0; i < length; i++) if (values[i] < 0) values[i] = 0;
}

/** Row-wise softmax of the first `rows` rows, in place, shifted by the row maximum so exp cannot overflow. */
function softmaxInPlace(values: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, values[base + j]);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp(values[base + j] - max);
      values[base + j] = e;
      sum += e;
    }
    for (let j = 0; j < width; j++) values[base + j] /= sum;
  }
}

/** Index of the largest of `width` values from `offset` (the first one on ties, like ArgMax). */
export function argmax(values: Float32Array, offset: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[offset + j] > values[offset + best]) best = j;
  return best;
}

/**
 * Forward pass and backpropagation of softmax cross-entropy over batches of up to `maxRows` rows.
 * Holds its activation and gradient buffers, so a training loop allocates nothing per batch.
 */
export class Backprop {
  /** The gradients of the last `run`, of the mean loss over its rows. */
  readonly gradients: Gradients;
  /** activations[0] is the input batch; activations[l + 1] the output of layer l (softmax for the last). */
  private readonly activations: Float32Array[];
  /** deltas[l]: d loss / d pre-activation of layer l. */
  private readonly deltas: Float32Array[];

  constructor(
    private readonly mlp: Mlp,
    readonly maxRows: number,
  ) {
    const sizes = layerSizes(mlp);
    this.activations = sizes.map((size) => new Float32Array(size * maxRows));
    this.deltas = mlp.layers.map((layer) => new Float32Array(layer.outputs * maxRows));
    this.gradients = {
      weights: mlp.layers.map((layer) => new Float32Array(layer.weights.length)),
      biases: mlp.layers.map((layer) => new Float32Array(layer.bias.length)),
    };
  }

  /** The input buffer of the next `run`: fill its first `rows × inputs` values. */
  get input(): Float32Array {
    return this.activations[0];
  }

  /** Class probabilities of the first `rows` rows of `input`; the returned view is reused by the next call. */
  forward(rows: number): Float32Array {
    this.checkRows(rows);
    const { layers } = this.mlp;
    layers.forEach((layer, l) => {
      const out = this.activations[l + 1];
      denseForward(layer, this.activations[l], rows, out);
      if (l + 1 < layers.length) reluInPlace(out, rows * layer.outputs);
      else softmaxInPlace(out, rows, layer.outputs);
    });
    return this.activations[layers.length].subarray(0, rows * layers[layers.length - 1].outputs);
  }

  /** Forward and backward pass over the first `rows` rows of `input` with class indices `labels`. */
  run(rows: number, labels: ArrayLike<number>): BatchResult {
    const probabilities = this.forward(rows);
    const { layers } = this.mlp;
    const last = layers.length - 1;
    const classes = layers[last].outputs;
    const outputDelta = this.deltas[last];
    let lossSum = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * classes;
      const label = labels[r];
      if (argmax(probabilities, base, classes) === label) correct++;
      // Clamp so a confidently wrong row adds a large but finite loss.
      lossSum -= Math.log(Math.max(probabilities[base + label], 1e-30));
      // d(mean cross-entropy)/d logits = (softmax − one-hot) / rows.
      for (let j = 0; j < classes; j++) {
        outputDelta[base + j] = (probabilities[base + j] - (j === label ? 1 : 0)) / rows;
      }
    }
    for (let l = last; l >= 0; l--) this.backwardLayer(l, rows);
    return { lossSum, correct };
  }

  /** Weight and bias gradients of layer `l`, and the delta of the layer below it (unless l = 0). */
  private backwardLayer(l: number, rows: number): void {
    const { inputs, outputs, weights } = this.mlp.layers[l];
    const input = this.activations[l];
    const delta = this.deltas[l];
    const weightGradient = this.gradients.weights[l];
    const biasGradient = this.gradients.biases[l];
    weightGradient.fill(0);
    biasGradient.fill(0);
    for (let r = 0; r < rows; r++) {
      const dBase = r * outputs;
      for (let j = 0; j < outputs; j++) biasGradient[j] += delta[dBase + j];
      const aBase = r * inputs;
      for (let k = 0; k < inputs; k++) {
        const ak = input[aBase + k];
        if (ak === 0) continue;
        const wBase = k * outputs;
        for (let j = 0; j < outputs; j++) weightGradient[wBase + j] += ak * delta[dBase + j];
      }
    }
    if (l === 0) return;
    // The layer below ends in ReLU: its delta is zero wherever its output was clamped to 0.
    const below = this.deltas[l - 1];
    for (let r = 0; r < rows; r++) {
      const dBase = r * outputs;
      const aBase = r * inputs;
      for (let k = 0; k < inputs; k++) {
        if (input[aBase + k] === 0) {
          below[aBase + k] = 0;
          continue;
        }
        const wBase = k * outputs;
        let sum = 0;
        for (let j = 0; j < outputs; j++) sum += delta[dBase + j] * weights[wBase + j];
        below[aBase + k] = sum;
      }
    }
  }

  private checkRows(rows: number): void {
    if (!Number.isInteger(rows) || rows < 1 || rows > this.maxRows) {
      throw new RangeError(`rows must be 1..${this.maxRows}, got ${rows}`);
    }
  }
}

/** Class probabilities of every row of `x` (flat, `width = inputs` values per row), batch by batch. */
export function predictProbabilities(mlp: Mlp, x: Float32Array, batchSize = 256): Float32Array {
  const inputs = mlp.layers[0].inputs;
  const classes = mlp.layers[mlp.layers.length - 1].outputs;
  const rows = x.length / inputs;
  const pass = new Backprop(mlp, Math.min(batchSize, Math.max(rows, 1)));
  const out = new Float32Array(rows * classes);
  for (let start = 0; start < rows; start += pass.maxRows) {
    const count = Math.min(pass.maxRows, rows - start);
    pass.input.set(x.subarray(start * inputs, (start + count) * inputs));
    out.set(pass.forward(count), start * classes);
  }
  return out;
}

/** Share of rows whose most probable class is their label. */
export function accuracy(mlp: Mlp, x: Float32Array, labels: readonly number[]): number {
  const classes = mlp.layers[mlp.layers.length - 1].outputs;
  const probabilities = predictProbabilities(mlp, x);
  let correct = 0;
  labels.forEach((label, r) => {
    if (argmax(probabilities, r * classes, classes) === label) correct++;
  });
  return correct / labels.length;
}
