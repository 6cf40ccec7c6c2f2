import { mulberry32, shuffleInPlace } from './prng.js';

/** Row indices of a train/test partition. */
export interface SplitIndices {
  train: number[];
  test: number[];
}

/**
 * A seeded stratified split: each class gives the test set its share of `testCount` (largest-remainder
 * rounding, so the total is exact), picked at random within the class. Both index lists come back
 * shuffled, so any prefix of the test set mixes the classes.
 */
export function stratifiedSplit(labels: readonly number[], testCount: number, seed: number): SplitIndices {
  if (testCount <= 0 || testCount >= labels.length) {
    throw new RangeError(`testCount must be in (0, ${labels.length}), got ${testCount}`);
  }
  const random = mulberry32(seed);
  const byClass = groupByClass(labels);
  const quotas = testQuotas(
    byClass.map((rows) => rows.length),
    testCount,
    labels.length,
  );
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((rows, label) => {
    const picked = shuffleInPlace([...rows], random);
    test.push(...picked.slice(0, quotas[label]));
    train.push(...picked.slice(quotas[label]));
  });
  return { train: shuffleInPlace(train, random), test: shuffleInPlace(test, random) };
}

/** Row indices per class label 0..k-1, each list ascending. */
function groupByClass(labels: readonly number[]): number[][] {
  const byClass: number[][] = [];
  labels.forEach((label, row) => {
    if (!Number.isInteger(label) || label < 0) throw new RangeError(`bad class label ${label} at row ${row}`);
    while (byClass.length <= label) byClass.push([]);
    byClass[label].push(row);
  });
  return byClass;
}

/** Per-class test counts proportional to class size, summing exactly to `testCount`. */
function testQuotas(classSizes: number[], testCount: number, total: number): number[] {
  const exact = classSizes.map((size) => (size * testCount) / total);
  const quotas = exact.map(Math.floor);
  let missing = testCount - quotas.reduce((sum, q) => sum + q, 0);
  // Hand the leftover rows to the largest fractional parts; ties go to the lower class index.
  const order = exact
    .map((value, label) => ({ label, rest: value - Math.floor(value) }))
    .sort((a, b) => b.rest - a.rest || a.label - b.label);
  for (const { label } of order) {
    if (missing === 0) break;
    quotas[label]++;
    missing--;
  }
  return quotas;
}
