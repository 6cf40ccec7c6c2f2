import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests that reach the API (e2e/) read the held-out data sets from tools/ through its source.
  ssr: { resolve: { conditions: ['@mserve/source'] } },
  test: {
    globals: true,
    environment: 'node',
    include: ['src/**/*.spec.ts'],
    reporters: ['default'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
