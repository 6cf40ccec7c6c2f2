import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations from the API's committed SDL: every `graphql(...)` document in src/ gets its
 * result and variables types in src/gql/. `npm test` regenerates them in memory and fails on a diff.
 */
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**', '!src/**/*.spec.ts'],
  generates: {
    'src/gql/': {
      preset: 'client',
      config: { useTypeImports: true, enumsAsTypes: true },
      presetConfig: { fragmentMasking: false },
    },
  },
  ignoreNoDocuments: false,
};

export default config;
