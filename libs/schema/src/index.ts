export { CEILING_PREFIX } from './benchmark-fields.js';
export { buildModelSchema, printModelSchema } from './build-schema.js';
export type { SchemaContext } from './context.js';
export { fastCoercionSchema, fastListFieldNames } from './fast-coercion.js';
export { buildSubgraphModelSchema, printSubgraphModelSchema } from './federation.js';
