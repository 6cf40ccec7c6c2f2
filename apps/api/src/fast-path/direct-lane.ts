import type { ModelRepository } from '@mserve/inference';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import Negotiator from 'negotiator';
import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import type { RequestContext } from '../context.js';
import { httpRequestContext } from '../http-context.js';
import type { ApiMetrics } from '../metrics.js';
import { reportOperation } from '../operation-plugin.js';
import { checkVariableSizes } from '../variable-sizes.js';
import { formatExecution, type FormatError } from './apollo-response.js';
import type { VectorBodies } from './json-body.js';

export interface DirectLaneOptions {
  /** The API schema (variable sizes are checked against it, as on Apollo's lane). */
  schema: GraphQLSchema;
  repository: ModelRepository;
  maxRowsPerRequest: number;
  formatError: FormatError;
  bodies: VectorBodies;
  logger: Logger;
  metrics: ApiMetrics;
}

/** A document Apollo has parsed, validated and answered on the fast path, by its source text. */
interface KnownDocument {
  document: DocumentNode;
  /** Per operation name (`''` for none): the operation and its compiled form. */
  operations: Map<string, { operation: OperationDefinitionNode; query: CompiledQuery }>;
}

/**
 * What the lane keeps, so no client can make it hold memory: sources up to MAX_SOURCE_CHARS (longer
 * ones stay on Apollo's lane), the oldest dropped past MAX_KEPT_CHARS of them all; accept headers
 * up to MAX_ACCEPT_CHARS, at most MAX_ACCEPTS of them (others are negotiated each time).
 */
const MAX_SOURCE_CHARS = 16 * 1024;
const MAX_KEPT_CHARS = 4 * 1024 * 1024;
const MAX_ACCEPT_CHARS = 256;
const MAX_ACCEPTS = 256;
/**
 * Apollo's media types for a single result, in its order; the lane sends only the first two (the
 * third is for subscriptions' callbacks).
 */
const MEDIA_TYPES = [
  'application/json; charset=utf-8',
  'application/graphql-response+json; charset=utf-8',
  'application/json; callbackSpec=1.0; charset=utf-8',
];
const BODY_KEYS = new Set(['query', 'variables', 'operationName']);

/**
 * The fast path's direct lane. Once Apollo has parsed, validated and answered a document on the
 * fast path (`remember`), a later POST of the same source text is answered here, without Apollo's
 * HTTP pipeline (its header map, query hash, document cache and plugin hooks). What Apollo's lane
 * would do for such a request is done here by the same code: the variable-size guard
 * (checkVariableSizes), the request context (httpRequestContext), the compiled query, Apollo's
 * formatting of the result (formatExecution), its content negotiation (the same `negotiator` and
 * media types) and `cache-control: no-store`, and the operation's log line and metrics
 * (reportOperation). Anything else goes to Apollo's lane as is: a GET, a body with other keys
 * (`extensions`), a federation trace request, an unknown document or operation, a bad header,
 * variables too large or that fail to coerce (before anything has run), an `accept` header that
 * takes neither media type.
 */
export class DirectLane {
  private readonly known = new Map<string, KnownDocument>();
  private keptChars = 0;
  private readonly mediaTypes = new Map<string, string | null>();
  private readonly answered: Counter;

  constructor(private readonly options: DirectLaneOptions) {
    this.answered = new Counter({
      name: 'graphql_direct_lane_operations_total',
      help: 'GraphQL operations answered by the fast path without Apollo (FAST_PATH)',
      registers: [options.metrics.registry],
    });
  }

  /** Records a document Apollo validated and the fast path compiled, for the next request of the same source text. */
  remember(
    source: string,
    operationName: string | undefined,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    query: CompiledQuery,
  ): void {
    if (source.length > MAX_SOURCE_CHARS) return;
    let known = this.known.get(source);
    if (known?.document !== document) {
      if (known) this.forget(source);
      this.keptChars += source.length;
      for (const oldest of this.known.keys()) {
        if (this.keptChars <= MAX_KEPT_CHARS) break;
        this.forget(oldest);
      }
      this.known.set(source, (known = { document, operations: new Map() }));
    }
    known.operations.set(operationName ?? '', { operation, query });
  }

  private forget(source: string): void {
    this.known.delete(source);
    this.keptChars -= source.length;
  }

  /** The /graphql handler: this lane for the requests it takes, `stock` (Apollo's) for every other. */
  handler(stock: RouteHandlerMethod): RouteHandlerMethod {
    const answer = (request: FastifyRequest, reply: FastifyReply) => this.answer(request, reply);
    return async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
      const answered = request.method === 'POST' ? await answer(request, reply) : false;
      return answered ? reply : stock.call(this as never, request, reply);
    } as RouteHandlerMethod;
  }

  /**
   * Answers the request and returns true, or returns false with the body as Apollo's lane expects
   * it (as JSON.parse gives it).
   */
  private async answer(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const body = request.body as Record<string, unknown> | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof body.query !== 'string')
      return false;
    for (const key in body) if (!BODY_KEYS.has(key)) return false;
    const { operationName = null, variables = null } = body;
    if (operationName !== null && typeof operationName !== 'string') return false;
    if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
    if (request.headers['apollo-federation-include-trace'] !== undefined) return false;
    const document = this.known.get(body.query);
    const known = document?.operations.get(operationName ?? '');
    const contentType = known && this.mediaType(request.headers.accept);
    if (!document || !known || !contentType) return false;

    const startedAt = performance.now();
    const { schema, repository, maxRowsPerRequest, formatError, bodies, logger, metrics } = this.options;
    const vars = (variables ?? undefined) as Record<string, unknown> | undefined;
    if (checkVariableSizes(schema, document.document, known.operation, vars, repository, maxRowsPerRequest))
      return false;
    let context: RequestContext;
    try {
      context = httpRequestContext(request, reply, { repository, maxRowsPerRequest });
    } catch {
      return false;
    }
    const result = await known.query.query(undefined, context, vars);
    if (result.data === undefined) {
      // Nothing ran: Apollo's lane gives the variable error in graphql-js's words.
      body.variables = bodies.plainVariables(vars) ?? null;
      return false;
    }
    const data = result.data as Record<string, unknown> | null;
    const errors = result.errors as readonly GraphQLError[] | undefined;
    const { http, singleResult } = formatExecution(data, errors, formatError);
    http.headers.set('cache-control', 'no-store');
    http.headers.set('content-type', contentType);
    reportOperation(logger, metrics, {
      startedAt,
      operationName: operationName ?? undefined,
      context,
      data,
      formatted: singleResult.errors ?? [],
      errors,
      setHeader: (name, value) => http.headers.set(name, value),
    });
    this.answered.inc();
    for (const [name, value] of http.headers) reply.header(name, value);
    // Apollo's field order (errors, data) and its trailing newline.
    await reply.status(http.status ?? 200).send(`${JSON.stringify({ errors: singleResult.errors, data })}\n`);
    return true;
  }

  /** The response's media type for an `accept` header, as Apollo chooses it; null for Apollo's lane to answer. */
  private mediaType(accept: string | undefined): string | null {
    if (!accept) return MEDIA_TYPES[0];
    let chosen = this.mediaTypes.get(accept);
    if (chosen === undefined) {
      const preferred = new Negotiator({ headers: { accept } }).mediaType(MEDIA_TYPES);
      chosen = preferred === MEDIA_TYPES[0] || preferred === MEDIA_TYPES[1] ? preferred : null;
      if (accept.length <= MAX_ACCEPT_CHARS && this.mediaTypes.size < MAX_ACCEPTS) this.mediaTypes.set(accept, chosen);
    }
    return chosen;
  }
}
