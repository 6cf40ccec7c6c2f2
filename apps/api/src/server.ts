import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { ModelRepository, type ModelConfig } from '@mserve/inference';
import { buildModelSchema } from '@mserve/schema';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { ApiConfig } from './config.js';
import { RequestContext } from './context.js';
import { errorBody, formatError } from './errors.js';
import { complexityRules } from './limits.js';
import { ApiMetrics } from './metrics.js';
import { operationPlugin } from './operation-plugin.js';
import { registerPlayground } from './playground.js';

export interface ApiServer {
  app: FastifyInstance;
  repository: ModelRepository;
  metrics: ApiMetrics;
  logger: Logger;
  /** Starts listening; resolves with the bound address (models keep loading behind /readyz). */
  listen(): Promise<string>;
  /**
   * Graceful stop: /readyz turns 503 and new rows are refused, queued and running rows finish
   * (bounded by shutdownGraceMs), then the HTTP server and the sessions close.
   */
  close(): Promise<void>;
}

const DEFAULT_QUERY = `# Predict an iris species from four measurements (cm).
query Iris {
  iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) {
    label
    confidence
    top(k: 3) { label score }
  }
  models { name state description }
}
`;

/** Builds the whole server: model repository, schema, Apollo, HTTP routes. Does not listen yet. */
export async function createApiServer(config: ApiConfig, logger: Logger = pino({ level: config.logLevel })): Promise<ApiServer> {
  const metrics = new ApiMetrics();
  const repository = await ModelRepository.open({
    root: config.modelsDir,
    only: config.models.length > 0 ? config.models : undefined,
    overrides: (_name, model) => applyOverrides(config, model),
    logger,
    metrics,
  });
  let phase: 'serving' | 'draining' = 'serving';

  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only bridges fastify's narrower generic.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per GraphQL operation comes from the operation plugin; fastify's own lines are noise.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // The request id travels back so a client can quote it when reporting a problem.
    return503OnClosing: true,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(errorBody('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${config.bodyLimitBytes} bytes`));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody('BAD_REQUEST', error.message));
    }
    request.log.error({ requestId: request.id, err: error }, 'unhandled HTTP error');
    return reply.status(500).send(errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
  });

  const apollo = new ApolloServer<RequestContext>({
    schema: await buildModelSchema(),
    introspection: config.introspection,
    formatError,
    includeStacktraceInErrorResponses: false,
    validationRules: complexityRules(config),
    parseOptions: { maxTokens: config.maxTokens },
    plugins: [fastifyApolloDrainPlugin(app), operationPlugin(logger, metrics), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const handler = fastifyApolloHandler(apollo, {
    context: async (request, reply) => {
      // A client that goes away aborts its rows still waiting in the batchers.
      const controller = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
      return new RequestContext({ repository, requestId: String(request.id), signal: controller.signal, maxRowsPerRequest: config.maxRowsPerRequest });
    },
  });
  app.route({ method: ['GET', 'POST'], url: '/graphql', handler });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const models = repository.list().map((entry) => ({
      name: entry.name,
      versions: entry.versions.map((v) => ({ version: v.version, state: v.state.phase, ...(v.state.phase === 'failed' ? { reason: v.state.reason } : {}) })),
    }));
    const ready = phase === 'serving' && repository.allReady;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : phase === 'draining' ? 'draining' : 'not ready', models });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  if (config.playground) {
    await registerPlayground(app, { endpoint: '/graphql', title: 'mserve GraphQL playground', defaultQuery: DEFAULT_QUERY });
    app.get('/', async (_request, reply) => reply.redirect('/playground'));
  }

  void repository.ready().then(() => {
    const states = repository.list().map((e) => `${e.name}: ${e.versions.map((v) => `${v.version} ${v.state.phase}`).join(', ')}`);
    logger.info({ models: states, ready: repository.allReady }, 'model repository settled');
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    repository,
    metrics,
    logger,
    async listen() {
      return app.listen({ port: config.port, host: config.host });
    },
    close() {
      closing ??= (async () => {
        phase = 'draining';
        const drained = repository.close();
        const grace = new Promise<'timeout'>((resolve) => setTimeout(resolve, config.shutdownGraceMs, 'timeout').unref());
        if ((await Promise.race([drained, grace])) === 'timeout') logger.warn({ graceMs: config.shutdownGraceMs }, 'shutdown grace period passed with work still running');
        await app.close();
        await apollo.stop();
      })();
      return closing;
    },
  };
}

/** Server-wide overrides (flags/env) on top of one model's contract. */
function applyOverrides(config: ApiConfig, model: ModelConfig): ModelConfig {
  return {
    ...model,
    batching: {
      ...model.batching,
      ...(config.maxBatchSize !== undefined ? { maxBatchSize: config.maxBatchSize } : {}),
      ...(config.maxQueueDelayMicros !== undefined ? { maxQueueDelayMicros: config.maxQueueDelayMicros } : {}),
    },
    ...(config.instances !== undefined ? { instances: config.instances } : {}),
    ...(config.threadsPerInstance !== undefined ? { threadsPerInstance: config.threadsPerInstance } : {}),
    ...(model.warmup && config.maxBatchSize !== undefined
      ? { warmup: { batchSizes: model.warmup.batchSizes.map((n) => Math.min(n, config.maxBatchSize as number)) } }
      : {}),
  };
}
