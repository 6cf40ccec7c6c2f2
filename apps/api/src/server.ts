import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { ModelRepository, RepositoryWatcher, type ModelConfig } from '@mserve/inference';
import { buildModelSchema, fastListFieldNames } from '@mserve/schema';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { ApiConfig } from './config.js';
import type { RequestContext } from './context.js';
import { errorBody, formatError } from './errors.js';
import { fastExecutionPlugin } from './fast-execution.js';
import { httpRequestContext } from './http-context.js';
import { InFlightRequests } from './in-flight.js';
import { registerKserveV2 } from './kserve-v2.js';
import { registerJsonBodyParser } from './json-body.js';
import { complexityRules } from './limits.js';
import { loopSlices } from './loop-slices.js';
import { registerModelControl } from './model-control.js';
import { ApiMetrics } from './metrics.js';
import { operationPlugin } from './operation-plugin.js';
import { registerPlayground } from './playground.js';
import { restErrorBody } from './rest-common.js';
import { registerTfServing } from './tf-serving.js';

export interface ApiServer {
  app: FastifyInstance;
  repository: ModelRepository;
  metrics: ApiMetrics;
  logger: Logger;
  /** Starts listening; resolves with the bound address (models keep loading behind /readyz). */
  listen(): Promise<string>;
  /**
   * Graceful stop: /readyz turns 503 and new GraphQL requests get 503 SHUTTING_DOWN, requests
   * already accepted finish with their queued and running rows (bounded by shutdownGraceMs), then
   * the sessions and the HTTP server close.
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
  // Execution goes through the fast-coercion twin unless turned off (see fast-execution.ts); its
  // list fields are then read from the body into Float64Arrays, large bodies on a thread of their
  // own (see json-body.ts).
  const schema = await buildModelSchema({ benchmarkFields: config.benchmarkFields });
  registerJsonBodyParser(app, config.fastCoercion ? fastListFieldNames(schema) : undefined, { bodyThread: config.bodyThread });
  // Shutdown, step 1 (see close()): while draining, the listener stays open so probes still answer,
  // but /graphql refuses new requests at once with a retryable 503, and `connection: close` sends the
  // client elsewhere. Requests accepted before are counted, so close() can wait for exactly those.
  const inFlight = new InFlightRequests();
  app.addHook('onRequest', async (request, reply) => {
    // REST inference routes (ADMITTED) pass the same admission, answered in their protocols' shape.
    const rest = (request.routeOptions.config as { admitted?: boolean } | undefined)?.admitted === true;
    if (request.routeOptions.url !== '/graphql' && !rest) return;
    const refusal = rest ? restErrorBody : errorBody;
    if (phase === 'draining') {
      metrics.refused.inc({ reason: 'shutting_down' });
      reply.status(503).header('connection', 'close').header('retry-after', '1');
      return reply.send(refusal('SHUTTING_DOWN', 'The server is shutting down and accepts no new requests; retry later or on another replica'));
    }
    // Admission before the body is read: past the peak, a bulk request refused by a full batcher
    // queue had already been read, parsed and decoded in full, and accepted ones queued for seconds
    // (p50 6 s at 1.1× the bulk peak; 0.4 s with this limit, see docs/benchmarks.md). Bodies
    // already in flight bound the work queued behind them; a request that would take them over
    // the limit is refused at once (its unread body is discarded with the connection). With
    // nothing in flight, any request within BODY_LIMIT_BYTES is taken. Only a declared
    // content-length counts: a chunked body is not known until it has been read.
    const bodyBytes = Number(request.headers['content-length']) || 0;
    if (bodyBytes > 0 && inFlight.size > 0 && inFlight.bodyBytes + bodyBytes > config.maxBodyBytesInFlight) {
      metrics.refused.inc({ reason: 'overloaded' });
      reply.status(503).header('connection', 'close').header('retry-after', '1');
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      return reply.send(refusal('OVERLOADED', `The server is overloaded: ${mib(inFlight.bodyBytes)} of requests in flight, limit ${mib(config.maxBodyBytesInFlight)} (MAX_BODY_BYTES_IN_FLIGHT); retry later`));
    }
    inFlight.track(reply.raw, bodyBytes);
  });
  // Server-side latency of every /graphql request, refusals included: set beside the clients' own
  // latency, it tells time spent in this process from time spent on the network and in the client.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.url === '/graphql') metrics.requestAnswered(reply.statusCode, reply.elapsedTime / 1000);
    done();
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
      ...(config.fastCoercion ? [fastExecutionPlugin<RequestContext>(schema, formatError)] : []),
    ],
    // Apollo would stop itself on SIGTERM/SIGINT (outside NODE_ENV=test), closing the HTTP server at
    // once and racing the drain in close(); main.ts owns the signals instead.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const contextOptions = { repository, maxRowsPerRequest: config.maxRowsPerRequest };
  const handler = fastifyApolloHandler(apollo, {
    context: async (request, reply) => httpRequestContext(request, reply, contextOptions),
  });
  app.route({ method: ['GET', 'POST'], url: '/graphql', handler, ...(config.loopSliceMs > 0 ? { preHandler: loopSlices(config.loopSliceMs) } : {}) });

  const isReady = () => {
    const serving = repository.list().every((entry) => entry.versions.every((v) => v.state.phase !== 'ready' || v.state.model.workers.serving));
    return phase === 'serving' && repository.allReady && serving;
  };
  const watcher = new RepositoryWatcher(repository, { root: config.modelsDir, only: config.models.length > 0 ? config.models : undefined, intervalMs: config.modelPollSeconds * 1000, logger });
  const restDeps = { repository, logger, contextOptions, bodyLimitBytes: config.bodyLimitBytes };
  await registerKserveV2(app, { ...restDeps, isReady, extensions: config.adminToken ? ['model_repository'] : [] });
  await registerTfServing(app, restDeps);
  if (config.adminToken) await registerModelControl(app, { ...restDeps, watcher, token: config.adminToken });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    // A ready version shows its live session workers: fewer than its instances while a dead one is
    // replaced (rows wait and then run, so it stays ready), none and not serving once no replacement
    // could start (rows fail at once, so the server is not ready).
    const models = repository.list().map((entry) => ({
      name: entry.name,
      versions: entry.versions.map((v) => ({
        version: v.version,
        state: v.state.phase,
        ...(v.state.phase === 'failed' ? { reason: v.state.reason } : {}),
        ...(v.state.phase === 'ready' ? { workers: v.state.model.workers.alive, serving: v.state.model.workers.serving } : {}),
        ...(v.reloadFailure ? { reloadFailure: v.reloadFailure } : {}),
      })),
    }));
    const ready = isReady();
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
    return config.modelPollSeconds > 0 && phase === 'serving' ? watcher.start() : undefined;
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
      // The order matters. 1: draining: /readyz turns 503 and new /graphql requests are refused (the
      // onRequest hook), while the listener stays open. 2: wait for the requests accepted before, with
      // the batchers still serving: closing the batchers first would refuse the rows of a request that
      // arrived before the signal but had not reached its batcher yet. 3: close the repository (nothing
      // is left to drain unless the grace period ran out) and then the HTTP server. If the grace period
      // runs out, the connections still open are cut (their queued rows are cancelled), the batches
      // running finish and the sessions close, so the process exits without a worker inside onnxruntime.
      closing ??= (async () => {
        phase = 'draining';
        await watcher.stop();
        const drained = inFlight.settled().then(() => repository.close());
        const grace = new Promise<'timeout'>((resolve) => setTimeout(resolve, config.shutdownGraceMs, 'timeout').unref());
        if ((await Promise.race([drained, grace])) === 'timeout') {
          logger.warn({ graceMs: config.shutdownGraceMs, requests: inFlight.size }, 'shutdown grace period passed with work still running');
          app.server.closeAllConnections();
          await repository.closeNow();
        }
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
      ...(config.maxQueueSize !== undefined ? { maxQueueSize: config.maxQueueSize } : {}),
      ...(config.batching ? {} : { dynamic: false }),
    },
    ...(config.instances !== undefined ? { instances: config.instances } : {}),
    ...(config.threadsPerInstance !== undefined ? { threadsPerInstance: config.threadsPerInstance } : {}),
    ...(model.warmup && config.maxBatchSize !== undefined
      ? { warmup: { batchSizes: model.warmup.batchSizes.map((n) => Math.min(n, config.maxBatchSize as number)) } }
      : {}),
  };
}
