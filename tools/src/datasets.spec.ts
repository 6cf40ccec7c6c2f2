import { loadIrisSplit, loadMnistSplit, sampleRow, type Samples } from './datasets.js';

function classCounts(samples: Samples, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of samples.y) counts[label]++;
  return counts;
}

/** Rows as strings, to compare sets of rows across splits. */
function rowKeys(samples: Samples): Set<string> {
  return new Set(Array.from({ length: samples.count }, (_, i) => sampleRow(samples, i).join(',')));
}

describe('loadIrisSplit', () => {
  it('holds out 10 rows of each species and keeps the package’s label order', () => {
    const split = loadIrisSplit();
    expect(split.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expect([split.train.count, split.test.count]).toEqual([120, 30]);
    expect(split.train.x).toHaveLength(120 * 4);
    expect(classCounts(split.test, 3)).toEqual([10, 10, 10]);
    // The data set's first row (5.1, 3.5, 1.4, 0.2 cm) is a setosa, wherever the split put it.
    const firstRow = [5.1, 3.5, 1.4, 0.2].map(Math.fround).join(',');
    const found = [split.train, split.test].flatMap((s) =>
      s.y.filter((_, i) => sampleRow(s, i).join(',') === firstRow),
    );
    expect(found).toEqual([0]);
  });

  it('returns the same rows in the same order on every call', () => {
    expect(loadIrisSplit()).toEqual(loadIrisSplit());
  });
});

describe('loadMnistSplit', () => {
  const split = loadMnistSplit();

  it('holds out 2,000 of the 10,000 digits, a fifth of each digit, never seen in training', () => {
    expect([split.train.count, split.test.count]).toEqual([8000, 2000]);
    expect(split.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const all = classCounts(split.train, 10).map((n, d) => n + classCounts(split.test, 10)[d]);
    classCounts(split.test, 10).forEach((n, d) => expect(Math.abs(n - all[d] / 5)).toBeLessThanOrEqual(1));
    const trainRows = rowKeys(split.train);
    const overlap = [...rowKeys(split.test)].filter((row) => trainRows.has(row));
    // MNIST has a handful of exact duplicate images; any overlap must be one of those, not a leak.
    expect(overlap.length).toBeLessThanOrEqual(5);
  });

  it('has pixels in [0, 1] and mixes the digits in the held-out order', () => {
    expect(split.test.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(new Set(split.test.y.slice(0, 50)).size).toBe(10);
  });

  it('returns the same rows in the same order on every call', () => {
    const again = loadMnistSplit();
    expect(Buffer.from(again.test.x.buffer).equals(Buffer.from(split.test.x.buffer))).toBe(true);
    expect(again.train.y).toEqual(split.train.y);
  });
});
