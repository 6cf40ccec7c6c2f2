import { mulberry32 } from './prng.js';

/**
 * Send times of an open-loop load: a Poisson process of `rate` arrivals per second, as milliseconds
 * from the start, for `durationMs`. The gaps are exponential (mean 1000 / rate ms) drawn from a
 * seeded generator, so the same seed always gives the same schedule: runs are comparable, and a
 * test can check the schedule without timing anything.
 */
export function poissonArrivals(rate: number, durationMs: number, seed: number): Float64Array {
  if (!(rate > 0) || !Number.isFinite(rate))
    throw new RangeError(`rate must be a positive number of arrivals per second, got ${rate}`);
  if (!(durationMs >= 0)) throw new RangeError(`durationMs must be ≥ 0, got ${durationMs}`);
  const random = mulberry32(seed);
  const meanGapMs = 1000 / rate;
  const times: number[] = [];
  // 1 - random() is in (0, 1], so the logarithm is finite.
  for (let t = -Math.log(1 - random()) * meanGapMs; t < durationMs; t += -Math.log(1 - random()) * meanGapMs)
    times.push(t);
  return Float64Array.from(times);
}
