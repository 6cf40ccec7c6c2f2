import { Adam } from './adam.js';
import type { RowAugmenter } from './augment.js';
import type { Samples } from './datasets.js';
import { Backprop, type Mlp } from './mlp.js';
import { mulberry32, shuffleInPlace } from './prng.js';

/** How to train: mini-batch Adam over shuffled epochs. */
export interface FitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Learning rate multiplier applied after each epoch (default 1: constant). */
  learningRateDecay?: number;
  /** Seeds the order of rows in each epoch, and the augmentation. */
  seed: number;
  /** Alters each training row every time it is used (the stored rows stay as they are). */
  augment?: RowAugmenter;
  /** Called after every epoch, e.g. to print progress. */
  onEpoch?: (progress: EpochProgress) => void;
}

/** The training set's loss and accuracy over one epoch. */
export interface EpochProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Mean cross-entropy per training row, each measured just before its batch's update. */
  loss: number;
  /** Share of training rows predicted right, each measured just before its batch's update. */
  trainAccuracy: number;
  learningRate: number;
}

/** Trains `mlp` in place on `train` and returns the progress of every epoch. */
export function fit(mlp: Mlp, train: Samples, options: FitOptions): EpochProgress[] {
  const { epochs, batchSize, seed, augment, onEpoch } = options;
  const decay = options.learningRateDecay ?? 1;
  if (train.width !== mlp.layers[0].inputs) {
    throw new RangeError(`rows have ${train.width} features, the network takes ${mlp.layers[0].inputs}`);
  }
  const random = mulberry32(seed);
  const pass = new Backprop(mlp, batchSize);
  const optimizer = new Adam(
    mlp.layers.flatMap((layer) => [layer.weights, layer.bias]),
    { learningRate: options.learningRate },
  );
  const gradients = mlp.layers.flatMap((_, l) => [pass.gradients.weights[l], pass.gradients.biases[l]]);
  const order = Array.from({ length: train.count }, (_, row) => row);
  const batchLabels = new Int32Array(batchSize);
  const history: EpochProgress[] = [];

  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffleInPlace(order, random);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = Math.min(batchSize, order.length - start);
      for (let r = 0; r < rows; r++) {
        const row = order[start + r];
        const source = train.x.subarray(row * train.width, (row + 1) * train.width);
        if (augment) augment(source, pass.input.subarray(r * train.width, (r + 1) * train.width), random);
        else pass.input.set(source, r * train.width);
        batchLabels[r] = train.y[row];
      }
      const result = pass.run(rows, batchLabels);
      lossSum += result.lossSum;
      correct += result.correct;
      optimizer.update(gradients);
    }
    const progress: EpochProgress = {
      epoch,
      epochs,
      loss: lossSum / train.count,
      trainAccuracy: correct / train.count,
      learningRate: optimizer.learningRate,
    };
    history.push(progress);
    onEpoch?.(progress);
    optimizer.learningRate *= decay;
  }
  return history;
}
