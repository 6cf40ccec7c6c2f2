import { intraOpThreads } from './thread-budget.js';

describe('intraOpThreads', () => {
  const warnings: unknown[] = [];
  const logger = {
    info: () => undefined,
    warn: (fields: unknown) => warnings.push(fields),
    error: () => undefined,
    debug: () => undefined,
  };
  beforeEach(() => warnings.splice(0));

  test('shares the cores among the instances by default, and keeps a setting within the bound', () => {
    expect(intraOpThreads({ instances: 2 }, 8, logger, 'm@1')).toBe(4);
    expect(intraOpThreads({ instances: 3 }, 2, logger, 'm@1')).toBe(1);
    expect(intraOpThreads({ instances: 2, threadsPerInstance: 8 }, 8, logger, 'm@1')).toBe(8);
    expect(warnings).toEqual([]);
  });

  test('clamps instances × threads past twice the cores, with a warning', () => {
    expect(intraOpThreads({ instances: 64, threadsPerInstance: 256 }, 2, logger, 'm@1')).toBe(1);
    expect(intraOpThreads({ instances: 2, threadsPerInstance: 256 }, 4, logger, 'm@1')).toBe(4);
    expect(warnings).toEqual([
      expect.objectContaining({ model: 'm@1', instances: 64, threadsPerInstance: 256, threads: 1, limit: 4 }),
      expect.objectContaining({ instances: 2, threadsPerInstance: 256, threads: 4, limit: 8 }),
    ]);
  });
});
