import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { ApiConfig } from './config.js';
import { ClientGone, RequestContext } from './context.js';
import { apiGraphQLError, formatError } from './errors.js';
import { complexityRules } from './limits.js';
import { loopSlices } from './loop-slices.js';
import type { ApiMetrics } from './metrics.js';
import { operationPlugin } from './operation-plugin.js';
import { requestPriority } from './request-priority.js';

export interface GraphqlRouteOptions {
  config: ApiConfig;
  schema: GraphQLSchema;
  repository: ModelRepository;
  logger: Logger;
  metrics: ApiMetrics;
}

/**
 * Starts Apollo on `schema` and serves it at GET/POST /graphql, with one RequestContext (its own
 * DataLoaders, deadline and client-gone signal) per request. Resolves with the started Apollo
 * server, which the caller stops after the HTTP server has closed.
 */
export async function registerGraphql(
  app: FastifyInstance,
  options: GraphqlRouteOptions,
): Promise<ApolloServer<RequestContext>> {
  const { config, schema, repository, logger, metrics } = options;
  // The one seam of the fast path (FAST_PATH): its body parser and execution plugin, loaded only
  // when it is on. Off, fastify's JSON parser and Apollo's execution run (see fast-path/index.ts).
  const fastPath = config.fastPath ? (await import('./fast-path/index.js')).installFastPath<RequestContext>(app, schema, formatError) : undefined;
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.introspection,
    formatError,
    includeStacktraceInErrorResponses: false,
    validationRules: complexityRules(config),
    parseOptions: { maxTokens: config.maxTokens },
    plugins: [
      fastifyApolloDrainPlugin(app),
      operationPlugin(logger, metrics),
      ApolloServerPluginLandingPageDisabled(),
      ...(fastPath ? [fastPath] : []),
    ],
    // Apollo would stop itself on SIGTERM/SIGINT (outside NODE_ENV=test), closing the HTTP server at
    // once and racing the drain in close(); main.ts owns the signals instead.
    stopOnTerminationSignals: false,
    // Apollo's own lines (a subgraph's "Enabling inline tracing…") go out as JSON like the rest.
    logger,
  });
  await apollo.start();

  const handler = fastifyApolloHandler(apollo, {
    context: async (request, reply) => {
      const timeoutMs = requestTimeout(request.headers['x-timeout-ms']);
      const priority = requestPriority(request.headers);
      // A client that goes away aborts its rows still waiting in the batchers: the response closes
      // without having been sent in full.
      const gone = new ClientGone();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      return new RequestContext({ repository, requestId: String(request.id), signal: gone, timeoutMs, priority, maxRowsPerRequest: config.maxRowsPerRequest });
    },
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    handler,
    ...(config.loopSliceMs > 0 ? { preHandler: loopSlices(config.loopSliceMs) } : {}),
  });
  return apollo;
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
