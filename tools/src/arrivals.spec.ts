import { poissonArrivals } from './arrivals.js';

describe('poissonArrivals', () => {
  test('is a pure function of its seed: the same schedule every time, another for another seed', () => {
    const a = poissonArrivals(1000, 2000, 7);
    expect(poissonArrivals(1000, 2000, 7)).toEqual(a);
    expect(poissonArrivals(1000, 2000, 8)).not.toEqual(a);
    expect(Array.from(a.slice(0, 3), (t) => Number(t.toFixed(6)))).toEqual(
      Array.from(poissonArrivals(1000, 10, 7).slice(0, 3), (t) => Number(t.toFixed(6))),
    );
  });

  test('rises strictly within [0, duration) at about the asked rate, with exponential gaps', () => {
    const times = poissonArrivals(2000, 10_000, 1);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(times[0]).toBeGreaterThanOrEqual(0);
    expect(times[times.length - 1]).toBeLessThan(10_000);
    // 20,000 arrivals expected; a Poisson count has sd √20,000 ≈ 141.
    expect(Math.abs(times.length - 20_000)).toBeLessThan(600);
    const gaps = Array.from(times.slice(1), (t, i) => t - times[i]);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(mean).toBeCloseTo(0.5, 1);
    // For an exponential distribution, P(gap > mean) = e^-1 ≈ 0.368.
    expect(gaps.filter((g) => g > mean).length / gaps.length).toBeCloseTo(Math.exp(-1), 1);
  });

  test('refuses a rate that is not a positive number', () => {
    expect(() => poissonArrivals(0, 1000, 1)).toThrow('rate must be a positive number of arrivals per second, got 0');
    expect(() => poissonArrivals(Number.NaN, 1000, 1)).toThrow(RangeError);
    expect(poissonArrivals(10, 0, 1)).toHaveLength(0);
  });
});
