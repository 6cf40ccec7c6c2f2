import { parseModelConfig } from '@mserve/inference';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  applySetting,
  recommend,
  renderSweep,
  type SweepPoint,
  type TrafficResult,
  type TuneSetting,
} from './tune-recommend.js';

/** A sweep recorded by `npm run tune -- --model wide` on the shared 2-core machine (its command and time are in the file). */
const RECORDED = (
  JSON.parse(readFileSync(fileURLToPath(new URL('./tune-sweep.recorded.json', import.meta.url)), 'utf8')) as {
    points: SweepPoint[];
  }
).points;
const setting = (p: SweepPoint | undefined): TuneSetting | undefined => p?.setting;
const s = (
  instances: number,
  threadsPerInstance: number,
  maxBatchSize: number,
  maxQueueDelayMicros: number,
): TuneSetting => ({ instances, threadsPerInstance, maxBatchSize, maxQueueDelayMicros });

describe('the tuner recommendation', () => {
  test('picks the best single-row and bulk throughput together among settings within the p99 budget', () => {
    const pick = recommend(RECORDED, 700);
    // Six settings are within 700 ms; 1×1/256/1000 has the best single-row rows/s but a quarter of
    // the best bulk rows/s, and 1×2/32/1000 is the better of both together.
    expect(setting(pick?.point)).toEqual(s(1, 2, 32, 1000));
    expect(pick?.withinBudget).toBe(true);
    expect(pick?.reason).toBe('best throughput of 6 setting(s) with single-row p99 ≤ 700 ms');
    expect(pick?.score).toBeCloseTo(Math.sqrt((237.5 / 319) * (2048 / 2496)), 6);
  });

  test('a setting that failed requests is never recommended', () => {
    const failing = RECORDED.map((p) =>
      p.setting.threadsPerInstance === 2 && p.setting.maxBatchSize === 32 && p.setting.maxQueueDelayMicros === 1000
        ? { ...p, bulk: { ...(p.bulk as TrafficResult), failed: 3 } }
        : p,
    );
    expect(setting(recommend(failing, 700)?.point)).toEqual(s(1, 1, 32, 0));
  });

  test('a tighter budget leaves fewer settings; with none within it, the lowest p99 is recommended and says so', () => {
    expect(setting(recommend(RECORDED, 400)?.point)).toEqual(s(1, 1, 256, 1000));
    const none = recommend(RECORDED, 300);
    expect(none?.withinBudget).toBe(false);
    expect(setting(none?.point)).toEqual(s(1, 1, 256, 1000));
    expect(none?.reason).toBe('no setting kept single-row p99 ≤ 300 ms without failures; lowest p99 instead');
  });

  test('ties go to fewer threads, then the shorter delay; an unmeasured sweep has no recommendation', () => {
    const same = { rowsPerSecond: 1000, p99Ms: 5, failed: 0 };
    const tie: SweepPoint[] = [
      { setting: { instances: 2, threadsPerInstance: 1, maxBatchSize: 64, maxQueueDelayMicros: 0 }, single: same },
      { setting: { instances: 1, threadsPerInstance: 1, maxBatchSize: 64, maxQueueDelayMicros: 500 }, single: same },
      { setting: { instances: 1, threadsPerInstance: 1, maxBatchSize: 64, maxQueueDelayMicros: 0 }, single: same },
    ];
    expect(setting(recommend(tie, 50)?.point)).toEqual({
      instances: 1,
      threadsPerInstance: 1,
      maxBatchSize: 64,
      maxQueueDelayMicros: 0,
    });
    expect(recommend([{ setting: tie[0].setting }], 50)).toBeUndefined();
  });

  test('the table marks the recommendation and shows settings the budget did not reach', () => {
    const table = renderSweep(RECORDED, recommend(RECORDED, 700)?.point).split('\n');
    expect(table[7]).toBe('| 1 × 2 | 32 | 1000 | 238 | 474.0 | 2,048 | 1,343.2 | 0 | **recommended** |');
    expect(table[13]).toBe('| 2 × 1 | 256 | 1000 | – | – | – | – | 0 |  |');
  });

  test('--write changes only the four knobs, lowers warm-up batches to the new maxBatchSize, and the contract still parses', () => {
    const mnist = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../models/mnist/config.json', import.meta.url)), 'utf8'),
    ) as Record<string, unknown>;
    const next = applySetting(mnist, {
      instances: 2,
      threadsPerInstance: 1,
      maxBatchSize: 128,
      maxQueueDelayMicros: 500,
    });
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
