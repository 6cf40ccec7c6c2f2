import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { BREAK, visit, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { apolloResponse, type FormatError } from './apollo-response.js';
import type { DirectLane } from './direct-lane.js';
import type { VectorBodies } from './json-body.js';
import { withFastListVariables } from './twin-schema.js';

/** A document's compiled form per operation name (`''` for none); undefined: graphql-jit declined it. */
type Compiled = Map<string, CompiledQuery | undefined>;

/**
 * Executes operations with graphql-jit on the twin schema (see `fastCoercionSchema`), from a
 * plugin's `responseForOperation` hook, the public way to answer an operation instead of Apollo's
 * execution. Apollo still parses and validates against the API schema, serves it to introspection,
 * and runs its plugins' request hooks; only execution changes:
 * - each document is compiled once per operation name, on first use, with its `[Float!]`/`[Int!]`
 *   variables declared as the twin's list scalars (withFastListVariables), and kept as long as Apollo
 *   keeps the parsed document (its document cache); a document graphql-jit cannot compile is left
 *   to Apollo;
 * - an operation that introspects (`__schema`, `__type`) is left to Apollo, on the API schema, so
 *   it sees the API types;
 * - if the variables fail to coerce (a result without `data`: nothing has resolved yet), the
 *   operation is left to Apollo, with the variables as JSON.parse gives them
 *   (`bodies.plainVariables`), so a bad variable gets graphql-js's own error, word for word:
 *   graphql-jit's messages differ, and a Float64Array would print differently in one.
 * Results are answered as Apollo answers execution results (see `apolloResponse`), and a document
 * answered here is handed to the direct lane (`lane`), which answers its later requests itself.
 * Execution hooks (`executionDidStart`, `willResolveField`) do not fire for operations answered
 * here; the server uses none (Apollo's cache-control plugin then leaves the policy at its default,
 * `no-store`).
 */
export function fastExecutionPlugin<Context extends BaseContext>(
  twin: GraphQLSchema,
  formatError: FormatError,
  bodies: VectorBodies,
  lane?: DirectLane,
): ApolloServerPlugin<Context> {
  const compiled = new WeakMap<DocumentNode, Compiled>();
  const introspects = new WeakMap<DocumentNode, boolean>();
  const compile = (document: DocumentNode, operationName: string | undefined): CompiledQuery | undefined => {
    let byName = compiled.get(document);
    if (byName === undefined) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    if (!byName.has(key)) {
      // Resolver errors keep their own stack (originalError); the wrapper's is never shown.
      const query = compileQuery(twin, withFastListVariables(document, twin), operationName, {
        disablingCapturingStackErrors: true,
      });
      byName.set(key, isCompiledQuery(query) ? query : undefined);
    }
    return byName.get(key);
  };
  return {
    async requestDidStart() {
      return {
        async responseForOperation(requestContext) {
          const { document, request, operation, source } = requestContext;
          let introspection = introspects.get(document);
          if (introspection === undefined) introspects.set(document, (introspection = usesIntrospection(document)));
          if (introspection) return null;
          const query = compile(document, request.operationName ?? undefined);
          if (query === undefined) return null;
          const result = await query.query(undefined, requestContext.contextValue, request.variables);
          if (result.data === undefined) {
            request.variables = bodies.plainVariables(request.variables);
            return null;
          }
          if (lane && operation) lane.remember(source, request.operationName ?? undefined, document, operation, query);
          return apolloResponse(
            requestContext,
            result.data as Record<string, unknown> | null,
            result.errors as readonly GraphQLError[] | undefined,
            formatError,
          );
        },
      };
    },
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
