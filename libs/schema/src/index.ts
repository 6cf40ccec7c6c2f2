export { buildModelSchema, printModelSchema } from './build-schema.js';
export type { SchemaContext } from './context.js';
export { describeModel } from './models.resolver.js';
