import 'reflect-metadata';
import { ModelRepository } from '@mserve/inference';
import { buildModelSchema, buildSubgraphModelSchema } from '@mserve/schema';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { registerAdmission } from './admission.js';
import { parseCorsOrigins, registerCors } from './cors.js';
import { registerGraphql } from './apollo.js';
import type { ApiConfig } from './config.js';
import { createHttpApp } from './http-app.js';
import { InFlightRequests } from './in-flight.js';
import { ApiMetrics } from './metrics.js';
import { applyOverrides } from './model-overrides.js';
import { registerProbes } from './probes.js';
import { registerRoutes } from './routes.js';
import { registerWebApp } from './web-app.js';
import { drainAndClose } from './shutdown.js';

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
  const draining = () => phase === 'draining';
  const inFlight = new InFlightRequests();

  const app = createHttpApp(config, logger);
  // Before admission, so that refusals carry CORS headers too and browsers can read them.
  await registerCors(app, parseCorsOrigins(config.corsOrigins));
  registerAdmission(app, { metrics, inFlight, maxBodyBytesInFlight: config.maxBodyBytesInFlight, draining });
  const schema = config.federation ? await buildSubgraphModelSchema({ maxEntities: config.maxRowsPerRequest }) : await buildModelSchema();
  const apollo = await registerGraphql(app, { config, schema, repository, logger, metrics });
  registerProbes(app, repository, draining);
  await registerRoutes(app, { metrics, playground: config.playground });
  await registerWebApp(app, config.webDir, logger);
  logWhenSettled(repository, logger);

  let closing: Promise<void> | undefined;
  return {
    app,
    repository,
    metrics,
    logger,
    listen: () => app.listen({ port: config.port, host: config.host }),
    close() {
      phase = 'draining';
      closing ??= drainAndClose({ app, apollo, repository, inFlight, logger, graceMs: config.shutdownGraceMs });
      return closing;
    },
  };
}

/** One log line once every model version has loaded or failed. */
function logWhenSettled(repository: ModelRepository, logger: Logger): void {
  void repository.ready().then(() => {
    const states = repository.list().map((e) => `${e.name}: ${e.versions.map((v) => `${v.version} ${v.state.phase}`).join(', ')}`);
    logger.info({ models: states, ready: repository.allReady }, 'model repository settled');
  });
}
