import { type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
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
export declare function fastExecutionPlugin<Context extends BaseContext>(schema: GraphQLSchema, formatError: FormatError): ApolloServerPlugin<Context>;
export {};
//# sourceMappingURL=fast-execution.d.ts.map