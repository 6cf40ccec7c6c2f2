import { InferenceError, type ModelRepository } from '@mserve/inference';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { RequestContext } from './context.js';
import { replyToBodyRefusal } from './body-admission.js';
import { longListError } from './body-list-bounds.js';
import { MAX_DEPTH, findLongList } from './list-scan.js';
import { API_ERRORS, apiErrorMessage, MASKED_MESSAGE, type ApiErrorName } from './errors.js';
import { httpRequestContext, type HttpContextOptions } from './http-context.js';
import { bodyListBounds } from './variable-sizes.js';

/** What the REST protocols (KServe v2, TF Serving) are built on: the same pieces as GraphQL's. */
export interface RestDeps {
  repository: ModelRepository;
  logger: Logger;
  contextOptions: HttpContextOptions;
  bodyLimitBytes: number;
}

/** Route config marking a route whose requests pass the same admission as /graphql (see server.ts). */
export const ADMITTED = { admitted: true } as const;

/** A request error of a REST protocol (not JSON, not the protocol's shape): 400 unless told. */
export class RestRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code = 'BAD_REQUEST',
    /** More members of the error body (TF Serving's per-instance `errors`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** What a failure looks like to a REST client: the status, and a message led by the catalogue code. */
export interface RestFailure {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  extra?: Record<string, unknown>;
}

/**
 * Maps any failure to its REST answer: catalogue errors keep their status and message (the code
 * leads the message, `BAD_USER_INPUT: Invalid input at item 0, …`); request errors are 400;
 * anything else is masked as INTERNAL_SERVER_ERROR (the caller logs the original).
 */
export function restFailure(error: unknown): RestFailure {
  if (error instanceof InferenceError && error.code !== 'INTERNAL_SERVER_ERROR') {
    const retry = error.details.retryAfterSeconds;
    return {
      status: error.httpStatus,
      code: error.code,
      message: error.message,
      ...(typeof retry === 'number' ? { retryAfterSeconds: retry } : {}),
    };
  }
  if (error instanceof RestRequestError)
    return { status: error.status, code: error.code, message: error.message, extra: error.extra };
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
    const status = (error.extensions.http as { status?: number } | undefined)?.status ?? 400;
    return { status, code: error.extensions.code, message: error.message };
  }
  return { status: 500, code: 'INTERNAL_SERVER_ERROR', message: MASKED_MESSAGE };
}

/** The body of a REST error, as both protocols spell it: `{ "error": "CODE: message" }`. */
export function restErrorBody(code: string, message: string): { error: string } {
  return { error: `${code}: ${message}` };
}

/** An entry of the API's error catalogue as the REST protocols send it: its status and `{ error }`. */
export function restErrorReply(
  name: ApiErrorName,
  params: Record<string, string | number> = {},
): { status: number; body: { error: string } } {
  return {
    status: API_ERRORS[name].httpStatus,
    body: restErrorBody(API_ERRORS[name].code, apiErrorMessage(name, params)),
  };
}

/**
 * Registers REST routes in a scope of their own: bodies are read as bytes (each protocol parses
 * its own; KServe's binary extension is not JSON), and errors fastify raises (body too large, bad
 * content) answer `{ error }` rather than GraphQL's shape.
 */
export async function restScope(scope: FastifyInstance, deps: RestDeps): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const send = (reply: FastifyReply, name: ApiErrorName, params?: Record<string, string | number>, status?: number) => {
    const { status: catalogued, body } = restErrorReply(name, params);
    return reply.status(status ?? catalogued).send(body);
  };
  scope.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (replyToBodyRefusal(error, reply, restErrorReply)) return reply;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return send(reply, 'BODY_TOO_LARGE', { limit: deps.bodyLimitBytes });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      return send(reply, 'BAD_REQUEST', { reason: error.message }, error.statusCode);
    request.log.error({ requestId: request.id, err: error }, 'unhandled HTTP error');
    return send(reply, 'MASKED');
  });
}

/**
 * Runs one REST request: builds its context (the same function as GraphQL's), runs `work`, and
 * answers the failure if it throws; one log line per request either way (request id, protocol,
 * rows per model, duration, outcome; never input values).
 */
export async function handleRest(
  protocol: string,
  request: FastifyRequest,
  reply: FastifyReply,
  deps: RestDeps,
  work: (context: RequestContext) => Promise<unknown>,
): Promise<unknown> {
  const started = performance.now();
  let context: RequestContext | undefined;
  let outcome = 'ok';
  try {
    context = httpRequestContext(request, reply, deps.contextOptions);
    return await work(context);
  } catch (error) {
    const failure = restFailure(error);
    outcome = failure.code;
    if (failure.code === 'INTERNAL_SERVER_ERROR')
      deps.logger.error(
        { requestId: request.id, err: error instanceof InferenceError && error.cause ? error.cause : error },
        'internal error',
      );
    if (failure.retryAfterSeconds !== undefined) reply.header('retry-after', String(failure.retryAfterSeconds));
    return reply
      .status(failure.status)
      .type('application/json')
      .send({ ...restErrorBody(failure.code, failure.message), ...failure.extra });
  } finally {
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    deps.logger.info(
      {
        requestId: request.id,
        protocol,
        route: request.routeOptions.url,
        rows: context?.rowsByModel ?? {},
        durationMs,
        outcome,
      },
      'rest request',
    );
  }
}

/** A positive whole version number from a URL segment; undefined when absent. */
export function versionParam(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(raw))
    throw new RestRequestError(`Model version must be a positive whole number, got "${raw.slice(0, 32)}"`);
  return Number(raw);
}

/**
 * Parses a JSON body given as bytes; a 400 naming the problem when it is not JSON or nests deeper
 * than MAX_DEPTH (the schema check and the tensor reader recurse, and a body of a million `[` would
 * otherwise exhaust the stack: a 500 any client could cause), and a 413 when a list is longer than
 * any request may hold (findLongList: before JSON.parse, which would take seconds over such lists).
 */
export function parseJsonBody(bytes: Buffer | undefined, deps: RestDeps): unknown {
  if (!bytes || bytes.length === 0) throw new RestRequestError('The request has no body; send a JSON object');
  const long = findLongList(bytes, bodyListBounds(deps.repository, deps.contextOptions.maxRowsPerRequest));
  if (long?.kind === 'depth')
    throw new RestRequestError(`The body nests arrays and objects deeper than ${MAX_DEPTH} levels`);
  if (long) throw new RestRequestError(longListError(long).message, 413, 'PAYLOAD_TOO_LARGE');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new RestRequestError(`The body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
