import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { registerBoundedJsonParser } from './body-list-bounds.js';
import type { ApiConfig } from './config.js';
import type { RequestContext } from './context.js';
import { formatError } from './errors.js';
import { httpRequestContext } from './http-context.js';
import { complexityRules } from './limits.js';
import { loopSlices } from './loop-slices.js';
import type { ApiMetrics } from './metrics.js';
import { operationPlugin } from './operation-plugin.js';
import { requestGuardsPlugin, withoutSuggestions } from './request-guards.js';
import { bodyListBounds } from './variable-sizes.js';

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
  const format = config.introspection ? formatError : withoutSuggestions(formatError);
  // The one seam of the fast path (FAST_PATH): its body parser and execution plugin, loaded only
  // when it is on. Off, fastify's JSON parser and Apollo's execution run (see fast-path/index.ts).
  const listBounds = () => bodyListBounds(repository, config.maxRowsPerRequest);
  const fastPath = config.fastPath
    ? (await import('./fast-path/index.js')).installFastPath<RequestContext>(app, {
        schema,
        formatError: format,
        listBounds,
        repository,
        maxRowsPerRequest: config.maxRowsPerRequest,
        logger,
        metrics,
      })
    : undefined;
  if (!fastPath) registerBoundedJsonParser(app, listBounds);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.introspection,
    formatError: format,
    includeStacktraceInErrorResponses: false,
    validationRules: complexityRules(config),
    parseOptions: { maxTokens: config.maxTokens },
    plugins: [
      fastifyApolloDrainPlugin(app),
      operationPlugin(logger, metrics),
      requestGuardsPlugin<RequestContext>({ schema, repository, maxRowsPerRequest: config.maxRowsPerRequest }),
      ApolloServerPluginLandingPageDisabled(),
      ...(fastPath ? [fastPath.plugin] : []),
    ],
    // Apollo would stop itself on SIGTERM/SIGINT (outside NODE_ENV=test), closing the HTTP server at
    // once and racing the drain in close(); main.ts owns the signals instead.
    stopOnTerminationSignals: false,
    // Apollo's own lines (a subgraph's "Enabling inline tracing…") go out as JSON like the rest.
    logger,
  });
  await apollo.start();

  const stock = fastifyApolloHandler(apollo, {
    context: async (request, reply) =>
      httpRequestContext(request, reply, { repository, maxRowsPerRequest: config.maxRowsPerRequest }),
  });
  const handler = fastPath ? fastPath.handler(stock) : stock;
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    handler,
    ...(config.loopSliceMs > 0 ? { preHandler: loopSlices(config.loopSliceMs) } : {}),
  });
  return apollo;
}
