import type { ModelRepository } from '@mserve/inference';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientGone, RequestContext } from './context.js';
import { apiGraphQLError } from './errors.js';
import { requestPriority } from './request-priority.js';

/** What every HTTP protocol's request context is built from: the repository and the per-request limits. */
export interface HttpContextOptions {
  repository: ModelRepository;
  maxRowsPerRequest: number;
}

/**
 * The RequestContext of one HTTP request, for every protocol (GraphQL, KServe v2, TF Serving): its
 * request id, its deadline from `x-timeout-ms`, its priority from `x-priority`, its cancellation
 * when the client goes away, and the row limit. One function, so no protocol can differ from another in what it admits.
 * Throws the catalogue's BAD_TIMEOUT_HEADER (a GraphQLError with `extensions.http.status`) for a bad header.
 */
export function httpRequestContext(
  request: FastifyRequest,
  reply: FastifyReply,
  options: HttpContextOptions,
): RequestContext {
  const timeoutMs = requestTimeout(request.headers['x-timeout-ms']);
  const priority = requestPriority(request.headers);
  // A client that goes away aborts its rows still waiting in the batchers: the response closes
  // without having been sent in full.
  const gone = new ClientGone();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return new RequestContext({
    repository: options.repository,
    requestId: String(request.id),
    signal: gone,
    timeoutMs,
    priority,
    maxRowsPerRequest: options.maxRowsPerRequest,
  });
}

/**
 * The per-request deadline from the `x-timeout-ms` header: undefined when absent. It can only
 * shorten the model's own `batching.timeoutMs` (the batcher takes the smaller of the two).
 */
function requestTimeout(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header.join(',') : header;
  const value = /^\s*[0-9]{1,9}\s*$/.test(raw) ? Number(raw) : NaN;
  if (value >= 1) return value;
  throw apiGraphQLError('BAD_TIMEOUT_HEADER', { value: raw.slice(0, 32) });
}
