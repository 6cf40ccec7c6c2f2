import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { GENERATED_RESOLVERS } from './generated/index.js';
import { InferResolver } from './infer.resolver.js';
import { ModelsResolver } from './models.resolver.js';

/** Every resolver of the API schema: the fixed queries and one class per model contract. */
export const API_RESOLVERS = [ModelsResolver, InferResolver, ...GENERATED_RESOLVERS] as unknown as NonEmptyArray<
  () => unknown
>;

/**
 * The whole GraphQL schema: the generated per-model queries (from the contracts), the generic
 * `infer` query and the `models` / `model` queries. Built once at start.
 */
export async function buildModelSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: API_RESOLVERS, validate: false, emitSchemaFile: false });
}

/** The printed SDL of the schema, as committed in `schema.graphql` (which adds the federated entities in comments). */
export async function printModelSchema(): Promise<string> {
  return `${printSchema(await buildModelSchema())}\n`;
}
