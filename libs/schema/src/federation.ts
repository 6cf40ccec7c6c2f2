import 'reflect-metadata';
// A type only (erased): the package's root does not re-export its resolver map type.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { inferenceError } from '@mserve/inference';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { API_RESOLVERS } from './build-schema.js';
import { GENERATED_ENTITY_RESOLVERS, GENERATED_ENTITY_TYPES } from './generated/index.js';

/** The federation directives the generated entity extensions use, imported by the subgraph's `@link`. */
const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])';

/**
 * The API schema as an Apollo Federation 2 subgraph (type-graphql's federation recipe): every query
 * of the API schema, plus each entity a contract extends (`entities` in config.json) with its
 * prediction field, `_service { sdl }` and `_entities`. The type-graphql schema is built without its
 * check (it does not know the federation directives), printed with its directives, and rebuilt by
 * `@apollo/subgraph` with the same resolvers; an entity's reference becomes an instance of its
 * generated class. The federation packages are loaded here only, so a server without federation
 * never loads them. `maxEntities` bounds the representations of one `_entities` call (each is a
 * row; the API passes MAX_ROWS_PER_REQUEST), so an oversized call fails as a whole, once.
 */
export async function buildSubgraphModelSchema(options: { maxEntities?: number } = {}): Promise<GraphQLSchema> {
  const [{ buildSubgraphSchema }, { printSchemaWithDirectives }, { parse }, { buildSchema, createResolversMap }] =
    await Promise.all([
      import('@apollo/subgraph'),
      import('@graphql-tools/utils'),
      import('graphql'),
      import('type-graphql'),
    ]);
  const resolvers = [...API_RESOLVERS, ...GENERATED_ENTITY_RESOLVERS] as unknown as typeof API_RESOLVERS;
  const schema = await buildSchema({
    resolvers,
    orphanedTypes: [...GENERATED_ENTITY_TYPES],
    validate: false,
    emitSchemaFile: false,
    skipCheck: true,
  });
  const map = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const type of GENERATED_ENTITY_TYPES) {
    map[type.name] = {
      ...(map[type.name] as object),
      __resolveReference: (reference: object) => Object.assign(new type(), reference),
    };
  }
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`);
  const subgraph = buildSubgraphSchema([{ typeDefs, resolvers: map }]);
  guardEntities(subgraph, new Set(GENERATED_ENTITY_TYPES.map((type) => type.name)), options.maxEntities);
  return subgraph;
}

/**
 * Checks the representations of `_entities` before @apollo/subgraph resolves them: at most
 * `maxEntities`, else PAYLOAD_TOO_LARGE; each of an entity type of this subgraph, else
 * BAD_USER_INPUT naming it (the package would throw a plain error, masked as an internal one).
 */
function guardEntities(schema: GraphQLSchema, types: ReadonlySet<string>, maxEntities: number | undefined): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) throw new Error('the subgraph schema has no _entities resolver');
  const guarded: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
    const representations = (args as { representations: readonly unknown[] }).representations;
    if (maxEntities !== undefined && representations.length > maxEntities) {
      throw inferenceError(
        'PAYLOAD_TOO_LARGE',
        { what: `${representations.length} representations in one _entities call`, limit: maxEntities },
        { limit: maxEntities },
      );
    }
    representations.forEach((representation, i) => {
      const type = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof type === 'string' && types.has(type)) return;
      const reason = `must name an entity type of this subgraph (${[...types].join(', ') || 'none'})`;
      throw inferenceError(
        'BAD_USER_INPUT',
        { item: i, field: '__typename', reason },
        { item: i, field: '__typename', reason },
      );
    });
    return resolve(source, args, context, info);
  };
  field.resolve = guarded;
}

/** The subgraph's SDL as `_service { sdl }` serves it, for composition and for `schema.subgraph.graphql`. */
export async function printSubgraphModelSchema(): Promise<string> {
  const { graphql } = await import('graphql');
  const result = await graphql({ schema: await buildSubgraphModelSchema(), source: '{ _service { sdl } }' });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (typeof sdl !== 'string')
    throw new Error(`the subgraph schema serves no _service { sdl }: ${JSON.stringify(result.errors)}`);
  return `${sdl}\n`;
}
