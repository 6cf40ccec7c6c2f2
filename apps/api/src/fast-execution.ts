import { HeaderMap, type ApolloServerPlugin, type BaseContext, type GraphQLRequestContext, type GraphQLResponse } from '@apollo/server';
import { fastCoercionSchema } from '@mserve/schema';
import { BREAK, GraphQLError, execute, visit, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { MASKED_MESSAGE } from './errors.js';
import { plainVariables } from './json-body.js';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Runs operations on the fast-coercion twin of `schema` (see `fastCoercionSchema`), from a plugin's
 * `responseForOperation` hook, the public way to answer an operation instead of Apollo's execution.
 * Apollo still parses and validates against `schema`, serves it to introspection, and runs its
 * plugins' request hooks; only execution changes:
 * - an operation that introspects (`__schema`, `__type`) is left to Apollo, on `schema`, so it sees
 *   the API types;
 * - every other one runs on the twin; if its variables fail to coerce there (no `data`), it is left
 *   to Apollo on `schema`, so a bad variable gets graphql-js's own error, word for word. Nothing has
 *   resolved by then: variables are coerced before any resolver runs. Apollo runs it with the
 *   variables as JSON.parse gives them (`plainVariables`): the body parser may have read lists into
 *   Float64Arrays, which graphql-js would print differently in a message.
 * The twin's errors are formatted as Apollo formats execution errors (see `answer`).
 *
 * Not Apollo's gateway interface, which did the same with less code: for every request Apollo
 * builds the gateway's request context with a `status` getter and setter closing over the whole
 * request, and that kept every request's objects alive past the next scavenge (1,299 KiB promoted
 * per scavenge against 315, pauses of 6 ms against 2.7, `npm run bench:gc`; see docs/benchmarks.md).
 * Execution hooks (`executionDidStart`, `willResolveField`) do not fire for operations answered on
 * the twin, as they did not through the gateway; the server uses none (Apollo's cache-control
 * plugin then leaves the policy at its default, `no-store`).
 */
export function fastExecutionPlugin<Context extends BaseContext>(schema: GraphQLSchema, formatError: FormatError): ApolloServerPlugin<Context> {
  const twin = fastCoercionSchema(schema);
  const introspects = new WeakMap<DocumentNode, boolean>();
  return {
    async requestDidStart() {
      return {
        async responseForOperation(requestContext) {
          const { document, request } = requestContext;
          let introspection = introspects.get(document);
          if (introspection === undefined) {
            introspection = usesIntrospection(document);
            introspects.set(document, introspection);
          }
          if (introspection) return null;
          const result = await execute({ schema: twin, document, contextValue: requestContext.contextValue, variableValues: request.variables, operationName: request.operationName ?? undefined });
          if (result.data === undefined) {
            request.variables = plainVariables(request.variables);
            return null;
          }
          return answer(requestContext, result.data, result.errors, formatError);
        },
      };
    },
  };
}

/**
 * The response Apollo would make of an execution result with `data` (see its requestPipeline and
 * errorNormalize): the errors go to `requestContext.errors` (the operation plugin reads them; no
 * plugin here has a `didEncounterErrors` hook to call), each
 * is made a GraphQLError, given the code INTERNAL_SERVER_ERROR unless it has one, stripped of an
 * `extensions.http` (merged into the response's status and headers), and passed to `formatError`
 * (a formatter that throws yields a masked internal error).
 */
function answer<Context extends BaseContext>(requestContext: GraphQLRequestContext<Context>, data: Record<string, unknown> | null, errors: readonly GraphQLError[] | undefined, formatError: FormatError): GraphQLResponse {
  const http = { status: undefined as number | undefined, headers: new HeaderMap() };
  if (!errors || errors.length === 0) return { http, body: { kind: 'single', singleResult: { data } } };
  (requestContext as { errors?: readonly GraphQLError[] }).errors = errors;
  const formatted = errors.map((error) => {
    try {
      const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
      const head = extensions.http as { status?: unknown; headers?: unknown } | undefined;
      if (!!head && typeof head === 'object' && (!('status' in head) || typeof head.status === 'number') && (!('headers' in head) || head.headers instanceof Map)) {
        if (typeof head.status === 'number') http.status = head.status;
        if (head.headers instanceof Map) for (const [name, value] of head.headers as Map<string, string>) http.headers.set(name, value);
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: MASKED_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { http, body: { kind: 'single', singleResult: { data, errors: formatted } } };
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
