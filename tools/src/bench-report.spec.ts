import { renderChart } from './bench-chart.js';
import { renderOpenLoopTable, renderTable, type RunResult, type Scenario, type Traffic } from './bench-report.js';
import { histogramQuantile, median, pairedRatios, percentile, summarize } from './bench-stats.js';
import { evaluateTargets, halfPeak } from './bench-targets.js';

function run(
  traffic: Traffic,
  scenario: Scenario,
  load: RunResult['load'],
  fields: Partial<RunResult> = {},
): RunResult {
  return {
    traffic,
    scenario,
    load,
    rowsPerRequest: traffic === 'single' ? 1 : 256,
    seconds: 5,
    requests: 100,
    failed: 0,
    requestsPerSecond: 20,
    predictionsPerSecond: 20,
    latency: summarize([1, 2, 3]),
    executions: 10,
    meanBatch: 10,
    cpuMicrosPerPrediction: 100,
    ...fields,
  };
}

describe('percentile', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  test('is the nearest rank: the smallest value with at least p% of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0.5)).toBe(1);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
    expect(percentile([7], 99)).toBe(7);
  });

  test('is NaN for no values and refuses a p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(hundred, 0)).toThrow('percentile must be in (0, 100], got 0');
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
  });
});

describe('histogramQuantile', () => {
  // 100 observations in a window: 50 up to 1 ms, 40 in (1, 2], 9 in (2, 5], 1 over 5 ms.
  const before: Array<[number, number]> = [
    [0.001, 10],
    [0.002, 10],
    [0.005, 10],
    [Infinity, 10],
  ];
  const after: Array<[number, number]> = [
    [0.001, 60],
    [0.002, 100],
    [0.005, 109],
    [Infinity, 110],
  ];

  test('interpolates within the bucket the quantile falls in, over what the window added', () => {
    expect(histogramQuantile(before, after, 0.5)).toBeCloseTo(0.001, 9);
    expect(histogramQuantile(before, after, 0.25)).toBeCloseTo(0.0005, 9);
    expect(histogramQuantile(before, after, 0.7)).toBeCloseTo(0.0015, 9);
    expect(histogramQuantile(before, after, 0.95)).toBeCloseTo(0.002 + 0.003 * (5 / 9), 9);
  });

  test('reads a quantile in the +Inf bucket as the highest finite bound, and a window that added nothing as NaN', () => {
    expect(histogramQuantile(before, after, 0.995)).toBe(0.005);
    expect(histogramQuantile(after, after, 0.5)).toBeNaN();
    expect(histogramQuantile([], after, 0.5)).toBeCloseTo(0.001 * (55 / 60), 9);
  });
});

describe('summarize', () => {
  test('sorts a copy and reports count, mean, percentiles and max', () => {
    const values = [5, 1, 4, 2, 3];
    expect(summarize(values)).toEqual({ count: 5, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  test('of nothing is NaN, not an error', () => {
    const empty = summarize([]);
    expect(empty.count).toBe(0);
    expect(empty.p99).toBeNaN();
    expect(empty.mean).toBeNaN();
  });
});

describe('pairedRatios', () => {
  test('divides round by round, then takes the median, so one slow round moves nothing', () => {
    // The host slowed to half speed during round 2, after the second build's turn: the ratio of the
    // two medians says 0.4, the rounds say 0.8.
    const first = [400, 400, 800, 800, 800];
    const second = [320, 320, 320, 640, 640];
    expect(pairedRatios([first, second])).toEqual([1, 0.8]);
    expect(pairedRatios([first, [400, 200, 800, 1600, 800]])[1]).toBe(1);
  });

  test('of no rounds is NaN', () => {
    expect(pairedRatios([[], []])).toEqual([Number.NaN, Number.NaN]);
  });
});

describe('median', () => {
  test('is the middle of a sorted copy, the upper middle of an even count, NaN of nothing', () => {
    const values = [5, 1, 4, 2, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 4, 2, 3]);
    expect(median([10, 2, 30, 4])).toBe(10);
    expect(median([])).toBeNaN();
  });
});

describe('targets', () => {
  const closed = { kind: 'closed', clients: 64 } as const;
  const results = [
    run(
      'bulk-compact',
      'limit',
      { kind: 'in-process', batchSize: 512, concurrency: 2 },
      { predictionsPerSecond: 300_000 },
    ),
    run('single', 'ceiling', closed, { predictionsPerSecond: 1000 }),
    run('single', 'naive', closed, { predictionsPerSecond: 400, cpuMicrosPerPrediction: 400 }),
    run('single', 'coalesced', closed, {
      predictionsPerSecond: 900,
      requestsPerSecond: 900,
      cpuMicrosPerPrediction: 150,
      eventLoopP99Ms: 12,
    }),
    run('single', 'coalesced', { kind: 'open', rate: 225 }, { latency: { ...summarize([1]), p50: 1, p99: 9 } }),
    run('single', 'coalesced', { kind: 'open', rate: 460 }, { latency: { ...summarize([1]), p50: 2, p99: 5 } }),
    run('bulk-compact', 'coalesced', closed, { predictionsPerSecond: 60_000 }),
    run('bulk-json', 'coalesced', closed, { predictionsPerSecond: 30_000, cpuMicrosPerPrediction: 60 }),
    run('bulk-json', 'coalesced-stock', closed, { predictionsPerSecond: 10_000, cpuMicrosPerPrediction: 180 }),
  ];

  test('are judged from the runs of one benchmark, each with its figure', () => {
    const targets = evaluateTargets(results);
    expect(targets.map((t) => [t.name, t.value, t.met])).toEqual([
      ['single-row throughput', '90.0%', true],
      ['single-row CPU per prediction', '0.38 ×', true],
      ['bulk compact throughput', '20.0%', false],
      ['bulk JSON lists vs the stock path', '3.00 × (server CPU a row 180.0 → 60.0 µs)', true],
      ['single-row tail at half the peak', '2.50 × (p50 2.00 ms, p99 5.00 ms)', true],
      ['event-loop delay at peak', '12.00 ms', false],
      ['soak at peak', 'not measured', undefined],
    ]);
  });

  test('the tail target uses the open-loop run nearest half of the closed-loop peak', () => {
    expect(halfPeak(results)?.load).toEqual({ kind: 'open', rate: 460 });
    expect(halfPeak([])).toBeUndefined();
  });

  test('the tail target shows the server-side tail and the `{ __typename }` floor at the same rate, when measured', () => {
    const half = run(
      'single',
      'coalesced',
      { kind: 'open', rate: 460 },
      { latency: { ...summarize([1]), p50: 2, p99: 30 }, serverLatency: { p50: 1, p99: 12 } },
    );
    const floor = run(
      'single',
      'ceiling-typename',
      { kind: 'open', rate: 460 },
      { latency: { ...summarize([1]), p50: 0.5, p99: 4 } },
    );
    const tail = evaluateTargets([...results.filter((r) => r.load.kind !== 'open'), half, floor])[4];
    expect(tail).toEqual({
      name: 'single-row tail at half the peak',
      goal: 'p99 ≤ 3 × p50 (open loop at 50% of peak)',
      value:
        '15.00 × (p50 2.00 ms, p99 30.00 ms); server-side 12.00 × (p50 1.00 ms, p99 12.00 ms); `{ __typename }` at the same rate 8.00 × (p50 0.50 ms, p99 4.00 ms)',
      met: false,
    });
    // The floor is an open-loop run of its own, not a candidate for the half-peak point.
    expect(halfPeak([...results, floor])?.scenario).toBe('coalesced');
    expect(renderOpenLoopTable([half])).toContain(
      '| single | coalesced | 460 | 20 | 2.00 | 30.00 | 1.00 | 12.00 | 10.0 | 0 |',
    );
  });

  test('the soak target compares the RSS at the end with the RSS after warm-up', () => {
    const soak = {
      seconds: 300,
      warmupSeconds: 30,
      rss: [],
      rssAfterWarmupMiB: 200,
      rssEndMiB: 230,
      predictionsPerSecond: 1,
      latency: summarize([1]),
      failed: 0,
    };
    expect(evaluateTargets([], soak).at(-1)).toMatchObject({
      value: '1.150 × (200.0 → 230.0 MiB over 300 s)',
      met: false,
    });
  });

  test('the table lists closed-loop and in-process runs only; the chart plots open-loop runs', () => {
    const table = renderTable(results);
    expect(table.split('\n')).toHaveLength(2 + 7);
    expect(table).toContain('| single row (`mnist`) | coalesced (as shipped) | 64 clients | 900 | 900 |');
    const svg = renderChart(results);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg.match(/<circle/g)).toHaveLength(2);
  });
});
