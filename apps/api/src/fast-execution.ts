import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { fastCoercionSchema } from '@mserve/schema';
import { BREAK, execute, printSchema, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { plainVariables } from './json-body.js';

/** Apollo's gateway types, as its options name them (their own package is not a dependency here). */
type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

/**
 * Runs operations on the fast-coercion twin of `schema` (see `fastCoercionSchema`), through Apollo's
 * gateway interface, the one public way to choose how Apollo executes a validated operation.
 * Apollo still parses and validates against `schema` and serves it to introspection; only
 * execution changes:
 * - an operation that introspects (`__schema`, `__type`) runs on `schema`, so it sees the API types;
 * - every other one runs on the twin; if its variables fail to coerce there (no `data`), it runs
 *   again on `schema`, so a bad variable gets graphql-js's own error, word for word. Nothing has
 *   resolved by then: variables are coerced before any resolver runs. It runs with the variables
 *   as JSON.parse gives them (`plainVariables`): the body parser may have read lists into
 *   Float64Arrays, which graphql-js would print differently in a message.
 * Plugins' `willResolveField` hooks (Apollo wraps the resolvers of `schema`) do not fire on the
 * twin; the server uses none (Apollo's cache-control plugin still answers `no-store`).
 */
export function fastExecutionGateway(schema: GraphQLSchema): GatewayInterface {
  const twin = fastCoercionSchema(schema);
  const introspects = new WeakMap<DocumentNode, boolean>();
  const executor: GatewayExecutor = async (request) => {
    const document = request.document;
    const args = { document, contextValue: request.context, variableValues: request.request.variables, operationName: request.request.operationName ?? undefined };
    let introspection = introspects.get(document);
    if (introspection === undefined) {
      introspection = usesIntrospection(document);
      introspects.set(document, introspection);
    }
    if (!introspection) {
      const result = await execute({ schema: twin, ...args });
      if (result.data !== undefined) return result;
    }
    return execute({ schema, ...args, variableValues: plainVariables(request.request.variables) });
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    load: async () => ({ executor }),
    stop: async () => undefined,
  };
}

/** Whether any field of the document is `__schema` or `__type`. */
function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
