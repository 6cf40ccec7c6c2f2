import 'reflect-metadata';
import { ModelRepository } from '@mserve/inference';
import { buildModelSchema, buildSubgraphModelSchema } from '@mserve/schema';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { registerAdmission } from './admission.js';
import { parseCorsOrigins, registerCors } from './cors.js';
import { registerGraphql } from './apollo.js';
import { BodyAdmission } from './body-admission.js';
import type { ApiConfig } from './config.js';
import { createHttpApp } from './http-app.js';
import { ApiMetrics } from './metrics.js';
import { metricsServer, type MetricsServer } from './metrics-server.js';
import { applyOverrides } from './model-overrides.js';
import { isServing, registerProbes, type ServingPhase } from './probes.js';
import { registerRestProtocols } from './rest-protocols.js';
import { registerRoutes } from './routes.js';
import { registerWebApp } from './web-app.js';
import { QuietConnections } from './quiet-connections.js';
import { drainAndClose } from './shutdown.js';

export interface ApiServer {
  app: FastifyInstance;
  repository: ModelRepository;
  metrics: ApiMetrics;
  logger: Logger;
  /** Starts listening; resolves with the bound address (models keep loading behind /readyz). */
  listen(): Promise<string>;
  /**
   * Graceful stop: /readyz turns 503 at once; after shutdownDelayMs (the lame duck, still serving)
   * new GraphQL requests get 503 SHUTTING_DOWN, requests
   * already accepted finish with their queued and running rows (bounded by shutdownGraceMs), then
   * the sessions and the HTTP server close.
   */
  close(): Promise<void>;
}

/** Builds the whole server: model repository, schema, Apollo, HTTP routes. Does not listen yet. */
export async function createApiServer(
  config: ApiConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<ApiServer> {
  const metrics = new ApiMetrics();
  const repository = await openRepository(config, logger, metrics);
  let phase: ServingPhase = 'serving';
  const draining = () => phase === 'draining';
  const bodies = new BodyAdmission({
    metrics,
    maxBodyBytesInFlight: config.maxBodyBytesInFlight,
    bodyTimeoutMs: config.bodyTimeoutMs,
  });
  const inFlight = bodies.inFlight;

  const app = createHttpApp(config, logger);
  const connections = new QuietConnections(app.server);
  // Before admission, so that refusals carry CORS headers too and browsers can read them.
  await registerCors(app, parseCorsOrigins(config.corsOrigins));
  registerAdmission(app, { metrics, bodies, draining });
  const schema = config.federation
    ? await buildSubgraphModelSchema({ maxEntities: config.maxRowsPerRequest })
    : await buildModelSchema();
  const apollo = await registerGraphql(app, { config, schema, repository, logger, metrics });
  const metricsPort = await registerProbesAndPages(app, { config, repository, metrics, logger, phase: () => phase });
  const watcher = repository.watch({ intervalMs: config.modelPollSeconds * 1000 });
  const isReady = () => isServing(repository, () => phase !== 'serving');
  await registerRestProtocols(app, { config, repository, logger, watcher, isReady });
  logWhenSettled(repository, logger);
  // MODEL_POLL_SECONDS: the watcher takes the folder as loaded at start, then follows its changes.
  if (config.modelPollSeconds > 0)
    void repository.ready().then(() => (phase !== 'serving' ? undefined : watcher.start()));

  let closing: Promise<void> | undefined;
  return {
    app,
    repository,
    metrics,
    logger,
    async listen() {
      await metricsPort?.listen();
      return app.listen({ port: config.port, host: config.host });
    },
    close() {
      closing ??= stopInOrder({
        delayMs: config.shutdownDelayMs,
        enter: (next) => (phase = next),
        stopWatching: () => watcher.stop(),
        drain: () =>
          drainAndClose({ app, connections, apollo, repository, inFlight, logger, graceMs: config.shutdownGraceMs }),
        closeMetricsPort: async () => metricsPort?.close(),
      });
      return closing;
    },
  };
}

/** The model repository of MODELS_DIR (or only MODELS), with the env overrides; loading goes on behind it. */
function openRepository(config: ApiConfig, logger: Logger, metrics: ApiMetrics): Promise<ModelRepository> {
  return ModelRepository.open({
    root: config.modelsDir,
    only: config.models.length > 0 ? config.models : undefined,
    overrides: (_name, model) => applyOverrides(config, model),
    logger,
    metrics,
    loadTimeoutMs: config.loadTimeoutMs,
  });
}

/**
 * Everything but the APIs: the probes, /metrics and the playground, the web app. METRICS_PORT:
 * unset, /metrics on the API's port; a number, on its own port (returned, to listen and close with
 * the API); off, nowhere.
 */
async function registerProbesAndPages(
  app: FastifyInstance,
  options: {
    config: ApiConfig;
    repository: ModelRepository;
    metrics: ApiMetrics;
    logger: Logger;
    phase: () => ServingPhase;
  },
): Promise<MetricsServer | undefined> {
  const { config, repository, metrics, logger } = options;
  registerProbes(app, repository, options.phase);
  await registerRoutes(app, {
    metrics: config.metricsPort === undefined ? metrics : undefined,
    playground: config.playground,
  });
  await registerWebApp(app, config.webDir, logger);
  return typeof config.metricsPort === 'number'
    ? metricsServer(metrics, config.metricsPort, config.host, logger)
    : undefined;
}

/**
 * The stop sequence. The lame duck first: /readyz says 503 while requests are still served, so a
 * balancer that polls it stops sending here before admission starts refusing (after `delayMs`);
 * then the drain, then the metrics port.
 */
async function stopInOrder(steps: {
  delayMs: number;
  enter: (phase: ServingPhase) => void;
  stopWatching: () => Promise<void>;
  drain: () => Promise<void>;
  closeMetricsPort: () => Promise<void>;
}): Promise<void> {
  steps.enter('lame-duck');
  await steps.stopWatching();
  if (steps.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, steps.delayMs));
  steps.enter('draining');
  await steps.drain();
  await steps.closeMetricsPort();
}

/** One log line once every model version has loaded or failed. */
function logWhenSettled(repository: ModelRepository, logger: Logger): void {
  void repository.ready().then(() => {
    const states = repository
      .list()
      .map((e) => `${e.name}: ${e.versions.map((v) => `${v.version} ${v.state.phase}`).join(', ')}`);
    logger.info({ models: states, ready: repository.allReady }, 'model repository settled');
  });
}
