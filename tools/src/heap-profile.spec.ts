import { renderAllocations, summarizeAllocations, type SamplingHeapProfile } from './heap-profile.js';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

/** root → fastify handler (100) → our parser (300) and pino (40); root → a native (60). */
const profile: SamplingHeapProfile = {
  head: {
    callFrame: frame('(root)', ''),
    selfSize: 0,
    children: [
      {
        callFrame: frame('routeHandler', 'file:///repo/node_modules/fastify/lib/route.js', 9),
        selfSize: 100,
        children: [
          { callFrame: frame('general', 'file:///repo/apps/api/dist/json-body.js', 36), selfSize: 300, children: [] },
          { callFrame: frame('write', 'file:///repo/node_modules/pino/lib/proto.js', 1), selfSize: 40, children: [] },
        ],
      },
      { callFrame: frame('Map', ''), selfSize: 60, children: [] },
    ],
  },
};

describe('summarizeAllocations', () => {
  test('sums the bytes each frame allocated by function and by package, largest first', () => {
    const summary = summarizeAllocations(profile);
    expect(summary.totalBytes).toBe(500);
    expect(summary.packages.map((p) => [p.name, p.bytes, p.percent])).toEqual([
      ['apps/api', 300, 60],
      ['fastify', 100, 20],
      ['(native)', 60, 12],
      ['pino', 40, 8],
    ]);
    expect(summary.functions[0]).toEqual({ name: 'general (apps/api/dist/json-body.js:37)', bytes: 300, percent: 60 });
  });

  test('renders bytes per request', () => {
    const text = renderAllocations('single rows', summarizeAllocations(profile), 10);
    expect(text).toContain('over 10 requests: 0.0 KiB per request');
    expect(text).toContain('| apps/api | 30 | 60.0% |');
    expect(text).toContain('| general (apps/api/dist/json-body.js:37) | 30 | 60.0% |');
  });
});
