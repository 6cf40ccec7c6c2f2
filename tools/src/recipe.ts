import type { ModelConfigJson } from '@mserve/inference';
import type { Augmentation } from './augment.js';
import type { DatasetSplit, Samples } from './datasets.js';
import { fit, type EpochProgress } from './fit.js';
import { accuracy, createMlp, layerSizes } from './mlp.js';
import { exportMlpToOnnx, type Standardization } from './onnx-export.js';
import { mulberry32 } from './prng.js';

/** Everything that defines one default model: data, network, training, and its serving contract. */
export interface Recipe {
  /** Directory name under `models/`. */
  name: string;
  /** The fixed train/held-out split. */
  load: () => DatasetSplit;
  /** Where the data comes from, for the model's metadata. */
  datasetSource: string;
  hiddenSizes: number[];
  /** Standardise inputs inside the graph (mean/std of the training rows). */
  standardize: boolean;
  /** Weight init uses `seed`; batch order uses `seed + 1`. */
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  learningRateDecay: number;
  /** Applied to training rows only. */
  augmentation?: Augmentation;
  inputName: string;
  outputName: string;
  /** The config.json written next to the model. */
  config: ModelConfigJson;
}

/** Smaller runs of a recipe, e.g. for tests. */
export interface RecipeOverrides {
  hiddenSizes?: number[];
  epochs?: number;
  /** Train on only the first `trainRows` training rows (the held-out rows never change). */
  trainRows?: number;
}

/** A trained model, ready to be written. */
export interface TrainedModel {
  onnx: Uint8Array;
  config: ModelConfigJson;
  /** Accuracy on the held-out rows, which training never saw. */
  heldOutAccuracy: number;
  testSize: number;
  history: EpochProgress[];
}

/** Trains `recipe` from scratch and exports it; `onEpoch` sees each epoch's progress. */
export function trainRecipe(
  recipe: Recipe,
  overrides: RecipeOverrides = {},
  onEpoch?: (progress: EpochProgress) => void,
): TrainedModel {
  const split = recipe.load();
  if (JSON.stringify(recipe.config.labels) !== JSON.stringify(split.labels)) {
    throw new Error(`${recipe.name}: config labels ${recipe.config.labels} differ from the data's ${split.labels}`);
  }
  const train = overrides.trainRows === undefined ? split.train : firstRows(split.train, overrides.trainRows);
  const hiddenSizes = overrides.hiddenSizes ?? recipe.hiddenSizes;
  const epochs = overrides.epochs ?? recipe.epochs;
  const standardization = recipe.standardize ? featureStatistics(train) : undefined;

  const mlp = createMlp([train.width, ...hiddenSizes, split.labels.length], mulberry32(recipe.seed));
  const history = fit(mlp, standardization ? standardizeRows(train, standardization) : train, {
    epochs,
    batchSize: recipe.batchSize,
    learningRate: recipe.learningRate,
    learningRateDecay: recipe.learningRateDecay,
    seed: recipe.seed + 1,
    augment: recipe.augmentation?.apply,
    onEpoch,
  });
  const test = standardization ? standardizeRows(split.test, standardization) : split.test;
  const heldOutAccuracy = accuracy(mlp, test.x, test.y);

  const architecture = `${layerSizes(mlp).join('-')} (${recipe.standardize ? 'standardize, ' : ''}ReLU, softmax)`;
  const onnx = exportMlpToOnnx({
    mlp,
    inputName: recipe.inputName,
    outputName: recipe.outputName,
    standardization,
    graphName: recipe.name,
    description: recipe.config.description,
    metadata: {
      dataset: split.dataset,
      datasetSource: recipe.datasetSource,
      labels: split.labels.join(','),
      architecture,
      training: [
        `adam lr=${recipe.learningRate} decay=${recipe.learningRateDecay}/epoch`,
        `batch=${recipe.batchSize} epochs=${epochs}`,
        ...(recipe.augmentation ? [recipe.augmentation.description] : []),
      ].join(' '),
      seed: String(recipe.seed),
      splitSeed: String(split.splitSeed),
      trainSize: String(train.count),
      testSize: String(split.test.count),
      heldOutAccuracy: heldOutAccuracy.toFixed(4),
    },
  });
  return { onnx, config: recipe.config, heldOutAccuracy, testSize: split.test.count, history };
}

function firstRows(samples: Samples, rows: number): Samples {
  const count = Math.min(rows, samples.count);
  return { x: samples.x.slice(0, count * samples.width), y: samples.y.slice(0, count), width: samples.width, count };
}

/** Per-feature mean and (population) standard deviation; a constant feature gets std 1, not 0. */
function featureStatistics(samples: Samples): Standardization {
  const { x, width, count } = samples;
  const sums = new Float64Array(width);
  const squares = new Float64Array(width);
  for (let i = 0; i < x.length; i++) sums[i % width] += x[i];
  const mean = Float32Array.from(sums, (sum) => sum / count);
  for (let i = 0; i < x.length; i++) squares[i % width] += (x[i] - mean[i % width]) ** 2;
  const std = Float32Array.from(squares, (square) => Math.sqrt(square / count) || 1);
  return { mean, std };
}

/** The rows standardised exactly as the exported graph does it, in float32: (x − mean) / std. */
function standardizeRows(samples: Samples, { mean, std }: Standardization): Samples {
  const x = Float32Array.from(
    samples.x,
    (value, i) => Math.fround(value - mean[i % samples.width]) / std[i % samples.width],
  );
  return { ...samples, x };
}
