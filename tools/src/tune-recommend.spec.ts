import { parseModelConfig } from '@mserve/inference';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applySetting, recommend, renderSweep, type SweepPoint, type TuneSetting } from './tune-recommend.js';

/** A sweep recorded by `npm run tune -- --model wide` on the 2-core development machine (rounded). */
const RECORDED: SweepPoint[] = [
  { setting: { instances: 1, threadsPerInstance: 1, maxBatchSize: 32, maxQueueDelayMicros: 0 }, single: { rowsPerSecond: 1510, p99Ms: 41.2, failed: 0 }, bulk: { rowsPerSecond: 4210, p99Ms: 160.3, failed: 0 } },
  { setting: { instances: 1, threadsPerInstance: 1, maxBatchSize: 128, maxQueueDelayMicros: 0 }, single: { rowsPerSecond: 1620, p99Ms: 44.8, failed: 0 }, bulk: { rowsPerSecond: 5330, p99Ms: 120.9, failed: 0 } },
  { setting: { instances: 1, threadsPerInstance: 2, maxBatchSize: 128, maxQueueDelayMicros: 0 }, single: { rowsPerSecond: 1490, p99Ms: 38.0, failed: 0 }, bulk: { rowsPerSecond: 7020, p99Ms: 98.5, failed: 0 } },
  { setting: { instances: 1, threadsPerInstance: 2, maxBatchSize: 128, maxQueueDelayMicros: 1000 }, single: { rowsPerSecond: 1700, p99Ms: 61.7, failed: 0 }, bulk: { rowsPerSecond: 7100, p99Ms: 99.1, failed: 0 } },
  { setting: { instances: 2, threadsPerInstance: 1, maxBatchSize: 128, maxQueueDelayMicros: 0 }, single: { rowsPerSecond: 1880, p99Ms: 47.5, failed: 0 }, bulk: { rowsPerSecond: 6400, p99Ms: 140.2, failed: 3 } },
  { setting: { instances: 2, threadsPerInstance: 1, maxBatchSize: 512, maxQueueDelayMicros: 0 } },
];
const setting = (p: SweepPoint): TuneSetting => p.setting;

describe('the tuner recommendation', () => {
  test('picks the best single and bulk throughput together among settings within the p99 budget and without failures', () => {
    const pick = recommend(RECORDED, 50);
    // 1×2/128/0 is within budget, and its bulk rows/s (the sweep's second best) outweigh the faster
    // single rows of 1×1/128; 1×2 with a delay is faster still but over budget, 2×1 failed requests.
    expect(pick && setting(pick.point)).toEqual({ instances: 1, threadsPerInstance: 2, maxBatchSize: 128, maxQueueDelayMicros: 0 });
    expect(pick?.withinBudget).toBe(true);
    expect(pick?.reason).toBe('best throughput of 3 setting(s) with single-row p99 ≤ 50 ms');
    expect(pick?.score).toBeCloseTo(Math.sqrt((1490 / 1880) * (7020 / 7100)), 6);
  });

  test('a looser budget admits the queue delay, which then wins', () => {
    expect(setting(recommend(RECORDED, 70)?.point as SweepPoint)).toEqual({ instances: 1, threadsPerInstance: 2, maxBatchSize: 128, maxQueueDelayMicros: 1000 });
  });

  test('with no setting within budget, it recommends the lowest p99 and says so', () => {
    const pick = recommend(RECORDED, 10);
    expect(pick?.withinBudget).toBe(false);
    expect(setting(pick?.point as SweepPoint)).toEqual({ instances: 1, threadsPerInstance: 2, maxBatchSize: 128, maxQueueDelayMicros: 0 });
    expect(pick?.reason).toBe('no setting kept single-row p99 ≤ 10 ms without failures; lowest p99 instead');
  });

  test('ties go to fewer threads, then the shorter delay; an unmeasured sweep has no recommendation', () => {
    const same = { rowsPerSecond: 1000, p99Ms: 5, failed: 0 };
    const tie: SweepPoint[] = [
      { setting: { instances: 2, threadsPerInstance: 1, maxBatchSize: 64, maxQueueDelayMicros: 0 }, single: same },
      { setting: { instances: 1, threadsPerInstance: 1, maxBatchSize: 64, maxQueueDelayMicros: 500 }, single: same },
      { setting: { instances: 1, threadsPerInstance: 1, maxBatchSize: 64, maxQueueDelayMicros: 0 }, single: same },
    ];
    expect(setting(recommend(tie, 50)?.point as SweepPoint)).toEqual({ instances: 1, threadsPerInstance: 1, maxBatchSize: 64, maxQueueDelayMicros: 0 });
    expect(recommend([{ setting: tie[0].setting }], 50)).toBeUndefined();
  });

  test('the table marks the recommendation and shows settings the budget did not reach', () => {
    const table = renderSweep(RECORDED, recommend(RECORDED, 50)?.point).split('\n');
    expect(table[4]).toBe('| 1 × 2 | 128 | 0 | 1,490 | 38.0 | 7,020 | 98.5 | 0 | **recommended** |');
    expect(table[7]).toBe('| 2 × 1 | 512 | 0 | – | – | – | – | 0 |  |');
  });

  test('--write changes only the four knobs, lowers warm-up batches to the new maxBatchSize, and the contract still parses', () => {
    const mnist = JSON.parse(readFileSync(fileURLToPath(new URL('../../models/mnist/config.json', import.meta.url)), 'utf8')) as Record<string, unknown>;
    const next = applySetting(mnist, { instances: 2, threadsPerInstance: 1, maxBatchSize: 128, maxQueueDelayMicros: 500 });
    expect(next).toEqual({
      ...mnist,
      instances: 2,
      threadsPerInstance: 1,
      batching: { ...(mnist.batching as object), maxBatchSize: 128, maxQueueDelayMicros: 500 },
      warmup: { batchSizes: [1, 128] },
    });
    expect(parseModelConfig(next).batching.maxBatchSize).toBe(128);
  });
});
