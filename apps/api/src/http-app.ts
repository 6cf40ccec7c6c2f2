import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { ApiConfig } from './config.js';
import { replyToBodyRefusal } from './body-admission.js';
import { ApiError, apiErrorReply, type ApiErrorName } from './errors.js';
import { loggableError, redactUrl, registerHttpGuards, requestIdOf } from './http-guards.js';

/**
 * The fastify instance every route hangs off: request ids (a safe `x-request-id`, or generated;
 * echoed back by the guards of http-guards.ts), the body limit, and the error handler that answers
 * what fastify itself refuses (body too large, unparsable body) in the GraphQL error shape.
 */
export function createHttpApp(config: ApiConfig, logger: Logger): FastifyInstance {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only bridges fastify's narrower generic.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per GraphQL operation comes from the operation plugin; fastify's own lines are noise.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    ...transportTimeouts(config),
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Draining refuses /graphql itself, GraphQL-shaped (see admission.ts); fastify's own 503 would not be.
    return503OnClosing: false,
  });
  registerHttpGuards(app);
  const send = (reply: FastifyReply, name: ApiErrorName, params?: Record<string, string | number>, status?: number) => {
    const { status: catalogued, body } = apiErrorReply(name, params);
    return reply.status(status ?? catalogued).send(body);
  };
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (replyToBodyRefusal(error, reply)) return reply;
    if (error instanceof ApiError) return send(reply, error.reason, error.params);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return send(reply, 'BODY_TOO_LARGE', { limit: config.bodyLimitBytes });
    // fastify's own refusals (unparsable body, unsupported content type) keep their 4xx status.
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      return send(reply, 'BAD_REQUEST', { reason: error.message }, error.statusCode);
    request.log.error(
      { requestId: request.id, url: redactUrl(request.url), err: loggableError(error) },
      'unhandled HTTP error',
    );
    return send(reply, 'MASKED');
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 'ROUTE_NOT_FOUND', { method: request.method, url: request.url.slice(0, 200) }),
  );
  return app;
}

/**
 * Node's own deadlines for a request's headers (HEADERS_TIMEOUT_MS) and for the whole request
 * (REQUEST_TIMEOUT_MS), on every route; Node checks them every `connectionsCheckingInterval`.
 */
function transportTimeouts(config: ApiConfig) {
  const check = Math.max(100, Math.min(1000, Math.floor(config.headersTimeoutMs / 2)));
  return {
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: check },
  };
}
