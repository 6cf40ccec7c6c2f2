import { packageOf, renderProfile, summarizeProfile, type CpuProfile } from './cpu-profile.js';
import { histogramBuckets, sumMetric, threadCpuSeconds } from './bench-server.js';

describe('summarizeProfile', () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)') },
      {
        id: 3,
        callFrame: frame(
          'coerceInputValueImpl',
          'file:///repo/node_modules/graphql/utilities/coerceInputValue.js',
          108,
        ),
      },
      { id: 4, callFrame: frame('check', 'file:///repo/libs/inference/dist/tensor-codec.js', 83) },
    ],
    samples: [2, 3, 3, 4, 3],
    timeDeltas: [1000, 2000, 2000, 1000, 4000],
    startTime: 0,
    endTime: 10_000,
  };

  test('sums self time per function and per package, with shares of all sampled time', () => {
    const summary = summarizeProfile(profile);
    expect(summary.totalMs).toBe(10);
    expect(summary.idlePercent).toBe(10);
    expect(summary.functions[0]).toEqual({
      name: 'coerceInputValueImpl (graphql/utilities/coerceInputValue.js:109)',
      ms: 8,
      percent: 80,
    });
    expect(summary.packages.map((p) => [p.name, p.ms])).toEqual([
      ['graphql', 8],
      ['(idle)', 1],
      ['libs/inference', 1],
    ]);
    expect(renderProfile('t', summary)).toContain(
      '| coerceInputValueImpl (graphql/utilities/coerceInputValue.js:109) | 8 | 80.0% |',
    );
  });

  test('names where code comes from', () => {
    expect(packageOf('node:internal/abort_controller', 'x')).toBe('node (internals)');
    expect(packageOf('file:///r/node_modules/@apollo/server/dist/esm/x.js', 'x')).toBe('@apollo/server');
    expect(packageOf('file:///r/apps/api/dist/context.js', 'x')).toBe('apps/api');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(packageOf('', 'writev')).toBe('(native)');
  });
});

describe('sumMetric', () => {
  const text = [
    '# HELP inference_executions_total Model session runs',
    '# TYPE inference_executions_total counter',
    'inference_executions_total{model="mnist",version="1"} 12',
    'inference_executions_total{model="iris",version="1"} 3',
    'process_cpu_seconds_total 4.5',
  ].join('\n');

  test('sums the samples of a metric whose labels include the given ones', () => {
    expect(sumMetric(text, 'inference_executions_total')).toBe(15);
    expect(sumMetric(text, 'inference_executions_total', { model: 'mnist' })).toBe(12);
    expect(sumMetric(text, 'process_cpu_seconds_total')).toBe(4.5);
    expect(sumMetric(text, 'missing')).toBe(0);
  });
});

describe('histogramBuckets', () => {
  const text = [
    'http_request_duration_seconds_bucket{le="0.001",status="200"} 5',
    'http_request_duration_seconds_bucket{le="+Inf",status="200"} 9',
    'http_request_duration_seconds_bucket{le="0.002",status="200"} 7',
    'http_request_duration_seconds_bucket{le="0.001",status="400"} 100',
    'http_request_duration_seconds_sum{status="200"} 0.1',
  ].join('\n');

  test('gives the cumulative buckets of the matching series, ascending, +Inf last', () => {
    expect(histogramBuckets(text, 'http_request_duration_seconds', { status: '200' })).toEqual([
      [0.001, 5],
      [0.002, 7],
      [Infinity, 9],
    ]);
    expect(histogramBuckets(text, 'http_request_duration_seconds')).toEqual([
      [0.001, 105],
      [0.002, 7],
      [Infinity, 9],
    ]);
    expect(histogramBuckets(text, 'missing')).toEqual([]);
  });
});

describe('threadCpuSeconds', () => {
  test.runIf(process.platform === 'linux')("reads the event-loop thread's CPU time, which grows as it works", () => {
    const start = threadCpuSeconds(process.pid);
    const until = performance.now() + 100;
    while (performance.now() < until);
    const spent = (threadCpuSeconds(process.pid)?.main ?? Number.NaN) - (start?.main ?? Number.NaN);
    // The kernel counts in 10 ms ticks: 100 ms of spinning reads as most of it, and no more than wall time.
    expect(spent).toBeGreaterThanOrEqual(0.05);
    expect(spent).toBeLessThanOrEqual(0.2);
  });

  test('is undefined for a process that does not exist', () => {
    expect(threadCpuSeconds(2 ** 30)).toBeUndefined();
  });
});
