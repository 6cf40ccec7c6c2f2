export { buildModelSchema, printModelSchema } from './build-schema.js';
export type { SchemaContext } from './context.js';
export { buildSubgraphModelSchema, printSubgraphModelSchema } from './federation.js';
