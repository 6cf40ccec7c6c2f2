import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { apiGraphQLError } from './errors.js';
import type { RequestContext } from './context.js';
import type { ApiMetrics } from './metrics.js';

/** One answered operation, as `reportOperation` reads it. */
export interface AnsweredOperation {
  startedAt: number;
  operationName: string | null | undefined;
  context: RequestContext;
  data: Record<string, unknown> | null | undefined;
  /** The errors as sent, and as thrown (same order). */
  formatted: readonly GraphQLFormattedError[];
  errors: readonly GraphQLError[] | undefined;
  /** Sets a response header. */
  setHeader(name: string, value: string): void;
}

/**
 * The end of every GraphQL operation, whichever lane answered it: its metric sample, a Retry-After
 * header when overload refused every root field, internal errors logged with their stack (clients
 * get only the masked message), and one log line: request id, operation name, rows per model,
 * duration and outcome, never input values.
 */
export function reportOperation(logger: Logger, metrics: ApiMetrics, answered: AnsweredOperation): void {
  const { formatted, data, context } = answered;
  const seconds = (performance.now() - answered.startedAt) / 1000;
  const firstCode = formatted[0]?.extensions?.code;
  const outcome = formatted.length === 0 ? 'ok' : typeof firstCode === 'string' ? firstCode : 'INTERNAL_SERVER_ERROR';
  metrics.operationDone(outcome, seconds);

  // The GraphQL-over-HTTP spec: once execution has started the status is 200, even when every
  // root field failed (request errors are 4xx from Apollo, refusals before execution 503/413
  // from the HTTP hooks). When every root field was refused for overload, the body's
  // retryAfterSeconds also travels as Retry-After, for clients that read only headers.
  const failed = (v: unknown) => v === null || (Array.isArray(v) && v.length > 0 && v.every((row) => row === null));
  const retryAfter = formatted[0]?.extensions?.retryAfterSeconds;
  if (firstCode === 'OVERLOADED' && typeof retryAfter === 'number' && data && Object.values(data).every(failed))
    answered.setHeader('retry-after', String(retryAfter));

  const internal = (answered.errors ?? []).filter((_, i) => formatted[i]?.extensions?.code === 'INTERNAL_SERVER_ERROR');
  for (const error of internal) {
    const cause = (error.originalError as { cause?: unknown } | undefined)?.cause ?? error.originalError ?? error;
    logger.error({ requestId: context.requestId, path: error.path, err: cause }, 'internal error');
  }
  logger.info(
    {
      requestId: context.requestId,
      operationName: answered.operationName ?? null,
      rows: context.rowsByModel,
      durationMs: Math.round(seconds * 100_000) / 100,
      outcome,
      errors: formatted.length,
    },
    'graphql operation',
  );
}

/** `reportOperation` for every operation Apollo answers, and the refusal of a document without the named operation. */
export function operationPlugin(logger: Logger, metrics: ApiMetrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        // Fires after validation, also when no operation matched (an `operationName` naming none, or
        // several operations and no name). Apollo would still execute and then report an internal
        // error (500); it is the client's mistake, so refuse it here as graphql-js words it.
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          throw request.operationName
            ? apiGraphQLError('UNKNOWN_OPERATION', { name: request.operationName.slice(0, 100) })
            : apiGraphQLError('OPERATION_NAME_REQUIRED');
        },
        // Fires once per response, after execution (or after a parse/validation failure).
        async willSendResponse({ response, errors, operationName, contextValue }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          reportOperation(logger, metrics, {
            startedAt,
            operationName,
            context: contextValue,
            data: body?.data,
            formatted: body?.errors ?? [],
            errors,
            setHeader: (name, value) => response.http.headers.set(name, value),
          });
        },
      };
    },
  };
}
