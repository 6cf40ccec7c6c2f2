import nx from '@nx/eslint-plugin';

/**
 * Dependencies point one way: apps → libs; schema may use inference; inference imports no lib;
 * tools may use libs; nothing imports apps. `appsMay` is what an app (or its tests) may import.
 */
const moduleBoundaries = (appsMay) => ({
  enforceBuildableLibDependency: true,
  allow: [],
  depConstraints: [
    { sourceTag: 'type:inference', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'type:schema', onlyDependOnLibsWithTags: ['type:inference'] },
    { sourceTag: 'scope:app', onlyDependOnLibsWithTags: appsMay },
    { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:lib'] },
  ],
});

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  // *.boundary-fixture.ts are deliberate violations that only tools/src/module-boundaries.spec.ts lints.
  {
    ignores: [
      '**/dist',
      '**/out-tsc',
      '**/node_modules',
      '**/test-output',
      'libs/schema/src/generated/**',
      'apps/web/src/gql/**',
      '**/*.boundary-fixture.ts',
    ],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries(['scope:lib'])],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests of apps may read the held-out data sets that tools/ defines.
    files: ['**/*.spec.ts', '**/e2e/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries(['scope:lib', 'scope:tools'])],
    },
  },
];
