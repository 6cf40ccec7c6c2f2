import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 has CJS and ESM entries without an exports map: pin one so every package shares a realm.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  // Resolve workspace libs to their TypeScript sources, so tests never need a build first.
  ssr: { resolve: { conditions: ['@mserve/source'] } },
  test: {
    globals: true,
    environment: 'node',
    include: ['src/**/*.spec.ts'],
    reporters: ['default'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
