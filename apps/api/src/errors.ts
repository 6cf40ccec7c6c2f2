import { ERROR_CATALOGUE, InferenceError, type ErrorCode } from '@mserve/inference';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';

/** The message every client sees for an internal failure; the real cause goes to the log only. */
export const MASKED_MESSAGE = 'Internal server error';

/** Apollo's own codes for errors raised before any resolver runs; kept as they are. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/**
 * Complexity refusals: the token limit (a parse error; graphql-js spells it "more that"), our
 * depth/alias/cost rules and graphql-js's introspection depth rule (validation errors, whose code
 * Apollo overwrites). All are QUERY_TOO_COMPLEX to the client.
 */
const TOO_COMPLEX = /^(Syntax Error: Document contains more (?:than|that) \d+ tokens|Query too complex: |Maximum introspection depth exceeded)/;

/**
 * The one place where errors become what clients see. Library errors carry their catalogue code and
 * safe details; Apollo's request errors keep their codes; anything else is masked as
 * INTERNAL_SERVER_ERROR (the operation plugin logs the original with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
  if (original instanceof InferenceError) {
    if (original.code === 'INTERNAL_SERVER_ERROR') return { message: MASKED_MESSAGE, ...base, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    return {
      message: original.message,
      ...base,
      extensions: { code: ERROR_CATALOGUE[original.code].graphqlCode, retryable: original.retryable, ...original.details },
    };
  }
  // graphql-js gives up coercing variables after 50 errors with an error of no code: still the client's.
  if (formatted.message.startsWith('Too many errors processing variables')) return { message: formatted.message, ...base, extensions: { code: 'BAD_USER_INPUT' } };
  const code = formatted.extensions?.code;
  if ((code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED') && TOO_COMPLEX.test(formatted.message)) {
    return { ...formatted, extensions: { code: 'QUERY_TOO_COMPLEX', retryable: false } };
  }
  if (typeof code === 'string' && (REQUEST_ERROR_CODES.has(code) || code === 'QUERY_TOO_COMPLEX')) {
    return { message: formatted.message, ...base, extensions: { code } };
  }
  return { message: MASKED_MESSAGE, ...base, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** The HTTP status of a response whose every root field failed: the catalogue's, for the first error. */
export function statusOfFailure(code: unknown): number | undefined {
  if (typeof code !== 'string' || !(code in ERROR_CATALOGUE)) return undefined;
  return ERROR_CATALOGUE[code as ErrorCode].httpStatus;
}

/** A GraphQL-shaped error body for failures outside GraphQL (body too large, bad JSON). */
export function errorBody(code: ErrorCode | 'BAD_REQUEST', message: string): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code } }] };
}
