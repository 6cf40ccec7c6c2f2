import { randomShift } from './augment.js';
import { mulberry32, shuffleInPlace } from './prng.js';
import { stratifiedSplit } from './split.js';

describe('stratifiedSplit', () => {
  const labels = [...new Array<number>(7).fill(0), ...new Array<number>(13).fill(1), ...new Array<number>(10).fill(2)];

  it('partitions the rows with each class’s share of the test set, exactly testCount in all', () => {
    const { train, test } = stratifiedSplit(labels, 10, 1);
    expect(test).toHaveLength(10);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    const perClass = [0, 1, 2].map((c) => test.filter((row) => labels[row] === c).length);
    // Exact shares 2.33, 4.33, 3.33: the remainders' largest (class 0, lowest index on a tie) gets the spare row.
    expect(perClass).toEqual([3, 4, 3]);
  });

  it('depends on the seed and only the seed', () => {
    expect(stratifiedSplit(labels, 10, 1)).toEqual(stratifiedSplit(labels, 10, 1));
    expect(stratifiedSplit(labels, 10, 1)).not.toEqual(stratifiedSplit(labels, 10, 2));
  });

  it('rejects a test set that leaves nothing to train on', () => {
    expect(() => stratifiedSplit(labels, 30, 1)).toThrow(RangeError);
  });
});

describe('prng', () => {
  it('gives the same stream for the same seed, in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(shuffleInPlace([1, 2, 3, 4, 5], mulberry32(1)).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('randomShift', () => {
  it('moves every pixel by the same whole offset, within ±max, filling with 0', () => {
    const width = 5;
    const source = Float32Array.from({ length: 25 }, (_, i) => (i === 12 ? 1 : 0));
    const target = new Float32Array(25);
    const random = mulberry32(2);
    const positions = new Set<number>();
    for (let n = 0; n < 200; n++) {
      randomShift(width, width, 1).apply(source, target, random);
      const lit = target.reduce<number[]>((at, v, i) => (v === 1 ? [...at, i] : at), []);
      expect(lit).toHaveLength(1);
      expect(target.reduce((sum, v) => sum + v, 0)).toBe(1);
      positions.add(lit[0]);
    }
    // The centre pixel (2, 2) reaches all 9 positions of the 3×3 block around it.
    expect([...positions].sort((a, b) => a - b)).toEqual([6, 7, 8, 11, 12, 13, 16, 17, 18]);
  });
});
