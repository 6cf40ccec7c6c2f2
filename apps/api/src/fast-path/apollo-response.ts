import { HeaderMap, type BaseContext, type GraphQLRequestContext, type GraphQLResponse } from '@apollo/server';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { MASKED_MESSAGE } from '../errors.js';

/** The server's `formatError` (Apollo's option of the same name). */
export type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * The response Apollo would make of an execution result with `data` (see its requestPipeline and
 * errorNormalize): the errors go to `requestContext.errors` (the operation plugin reads them; no
 * plugin here has a `didEncounterErrors` hook to call), each is given the code
 * INTERNAL_SERVER_ERROR unless it has one, stripped of an `extensions.http` (merged into the
 * response's status and headers), and passed to `formatError` (a formatter that throws yields a
 * masked internal error). graphql-jit's errors carry the extensions of their `originalError` only
 * when it has some; a resolver's GraphQLError is read through `originalError` either way.
 */
export function apolloResponse<Context extends BaseContext>(
  requestContext: GraphQLRequestContext<Context>,
  data: Record<string, unknown> | null,
  errors: readonly GraphQLError[] | undefined,
  formatError: FormatError,
): GraphQLResponse {
  if (errors && errors.length > 0) (requestContext as { errors?: readonly GraphQLError[] }).errors = errors;
  const { http, singleResult } = formatExecution(data, errors, formatError);
  return { http, body: { kind: 'single', singleResult } };
}

/**
 * An execution result as Apollo formats it (see apolloResponse): the status and headers its errors
 * ask for, and the body.
 */
export function formatExecution(
  data: Record<string, unknown> | null,
  errors: readonly GraphQLError[] | undefined,
  formatError: FormatError,
): { http: { status: number | undefined; headers: HeaderMap }; singleResult: FormattedExecutionResult } {
  const http = { status: undefined as number | undefined, headers: new HeaderMap() };
  if (!errors || errors.length === 0) return { http, singleResult: { data } };
  const formatted = errors.map((error) => {
    try {
      const own =
        error.extensions ?? (error.originalError instanceof GraphQLError ? error.originalError.extensions : undefined);
      const extensions: Record<string, unknown> = { ...own, code: own?.code ?? 'INTERNAL_SERVER_ERROR' };
      const head = extensions.http as { status?: unknown; headers?: unknown } | undefined;
      if (
        !!head &&
        typeof head === 'object' &&
        (!('status' in head) || typeof head.status === 'number') &&
        (!('headers' in head) || head.headers instanceof Map)
      ) {
        if (typeof head.status === 'number') http.status = head.status;
        if (head.headers instanceof Map)
          for (const [name, value] of head.headers as Map<string, string>) http.headers.set(name, value);
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: MASKED_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { http, singleResult: { data, errors: formatted } };
}
