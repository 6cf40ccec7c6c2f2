import { ERROR_CATALOGUE, InferenceError } from '@mserve/inference';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The API's own catalogue: every error the server writes outside the inference library's (refusals
 * before GraphQL runs, fastify's own 4xx, unknown routes, operations it cannot resolve). Each entry
 * has a unique name, the `extensions.code` clients see (shared with ERROR_CATALOGUE where the
 * meaning is the same), the HTTP status and its one message template.
 */
export const API_ERRORS = {
  BAD_REQUEST: { code: 'BAD_REQUEST', httpStatus: 400, template: '{reason}' },
  BAD_TIMEOUT_HEADER: {
    code: 'BAD_REQUEST',
    httpStatus: 400,
    template: 'Header x-timeout-ms must be a whole number of milliseconds ≥ 1, got "{value}"',
  },
  ROUTE_NOT_FOUND: { code: 'NOT_FOUND', httpStatus: 404, template: 'Route {method}:{url} not found' },
  WEB_APP_NOT_BUILT: {
    code: 'NOT_FOUND',
    httpStatus: 404,
    template: 'The web app is not built (no {index}): run `npx nx build @mserve/web`, then restart',
  },
  UNKNOWN_OPERATION: {
    code: 'OPERATION_RESOLUTION_FAILURE',
    httpStatus: 400,
    template: 'Unknown operation named "{name}".',
  },
  OPERATION_NAME_REQUIRED: {
    code: 'OPERATION_RESOLUTION_FAILURE',
    httpStatus: 400,
    template: 'Must provide operation name if query contains multiple operations.',
  },
  BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    httpStatus: 413,
    template: 'Request body exceeds the limit of {limit} bytes',
  },
  BODIES_IN_FLIGHT: {
    code: 'OVERLOADED',
    httpStatus: 503,
    template:
      'The server is overloaded: {inFlight} of requests in flight, limit {limit} (MAX_BODY_BYTES_IN_FLIGHT); retry later',
  },
  BODY_TIMEOUT: {
    code: 'REQUEST_TIMEOUT',
    httpStatus: 408,
    template: 'The request body did not arrive within {timeoutMs} ms (BODY_TIMEOUT_MS)',
  },
  BAD_HOST: {
    code: 'BAD_REQUEST',
    httpStatus: 400,
    template: 'The Host header is missing or is not a valid host[:port]',
  },
  UNSERVED_OPERATION: {
    code: 'BAD_REQUEST',
    httpStatus: 400,
    template: 'This server does not serve {operation}s: it answers queries only (POST or GET /graphql).',
  },
  VARIABLE_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, template: 'Request too large: variable {what}' },
  SHAPE_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    httpStatus: 413,
    template:
      'Request too large: a literal shape in argument "{argument}" asks for {rows} rows, past the limit of {limit} (MAX_ROWS_PER_REQUEST)',
  },
  LIST_TOO_LONG: {
    code: 'PAYLOAD_TOO_LARGE',
    httpStatus: 413,
    template: 'Request too large: {path} holds more than {limit} {what}, more than any request may hold',
  },
  NAME_TOO_LONG: {
    code: 'BAD_USER_INPUT',
    httpStatus: 400,
    template: 'Variable {path} ({field}) is {length} characters long, longer than any model or tensor name ({limit})',
  },
  DRAINING: {
    code: 'SHUTTING_DOWN',
    httpStatus: 503,
    template: 'The server is shutting down and accepts no new requests; retry later or on another replica',
  },
  UNAUTHORIZED: {
    code: 'UNAUTHORIZED',
    httpStatus: 401,
    template: 'The model repository API needs the ADMIN_TOKEN as an "authorization: Bearer <token>" header',
  },
  MASKED: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, template: 'Internal server error' },
} as const;

export type ApiErrorName = keyof typeof API_ERRORS;

/** The message every client sees for an internal failure; the real cause goes to the log only. */
export const MASKED_MESSAGE = API_ERRORS.MASKED.template;

/** One catalogue entry's message with its `{key}`s filled in. Throws if a parameter is missing. */
export function apiErrorMessage(name: ApiErrorName, params: Record<string, string | number> = {}): string {
  return API_ERRORS[name].template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (!(key in params)) throw new Error(`error template ${name} needs parameter "${key}"`);
    return String(params[key]);
  });
}

/** A catalogue error as fastify sends it outside GraphQL: its status and a GraphQL-shaped body. */
export function apiErrorReply(
  name: ApiErrorName,
  params: Record<string, string | number> = {},
): { status: number; body: { errors: GraphQLFormattedError[] } } {
  const { code, httpStatus } = API_ERRORS[name];
  return { status: httpStatus, body: { errors: [{ message: apiErrorMessage(name, params), extensions: { code } }] } };
}

/**
 * A catalogue error raised outside Apollo (a body parser's refusal): the HTTP error handler answers
 * it as its entry says, in its route's shape.
 */
export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly reason: ApiErrorName,
    readonly params: Record<string, string | number> = {},
  ) {
    super(apiErrorMessage(reason, params));
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[reason].httpStatus;
  }
}

/** A catalogue error thrown inside Apollo (context, plugins): a request error with its status. */
export function apiGraphQLError(name: ApiErrorName, params: Record<string, string | number> = {}): GraphQLError {
  const { code, httpStatus } = API_ERRORS[name];
  return new GraphQLError(apiErrorMessage(name, params), { extensions: { code, http: { status: httpStatus } } });
}

/** Apollo's own codes for errors raised before any resolver runs; kept as they are. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Complexity refusals: the token limit (a parse error; graphql-js spells it "more that"), our
 * depth/alias/cost rules and graphql-js's introspection depth rule (validation errors, whose code
 * Apollo overwrites). All are QUERY_TOO_COMPLEX to the client.
 */
const TOO_COMPLEX =
  /^(Syntax Error: Document contains more (?:than|that) \d+ tokens|Query too complex: |Maximum introspection depth exceeded)/;

/**
 * The one place where errors become what clients see. Library errors carry their catalogue code and
 * safe details; Apollo's request errors keep their codes; anything else is masked as
 * INTERNAL_SERVER_ERROR (the operation plugin logs the original with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (original instanceof InferenceError) {
    if (original.code === 'INTERNAL_SERVER_ERROR')
      return { message: MASKED_MESSAGE, ...base, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    return {
      message: original.message,
      ...base,
      extensions: {
        code: ERROR_CATALOGUE[original.code].graphqlCode,
        retryable: original.retryable,
        ...original.details,
      },
    };
  }
  // graphql-js gives up coercing variables after 50 errors with an error of no code: still the client's.
  if (formatted.message.startsWith('Too many errors processing variables'))
    return { message: formatted.message, ...base, extensions: { code: 'BAD_USER_INPUT' } };
  const code = formatted.extensions?.code;
  if (
    (code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED') &&
    TOO_COMPLEX.test(formatted.message)
  ) {
    return { ...formatted, extensions: { code: 'QUERY_TOO_COMPLEX', retryable: false } };
  }
  if (typeof code === 'string' && (REQUEST_ERROR_CODES.has(code) || code === 'QUERY_TOO_COMPLEX')) {
    return { message: formatted.message, ...base, extensions: { code } };
  }
  return { message: MASKED_MESSAGE, ...base, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
