import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiConfig } from './config.js';
import { registerKserveV2 } from './kserve-v2.js';
import { registerModelControl } from './model-control.js';
import type { RestDeps } from './rest-common.js';
import { registerTfServing } from './tf-serving.js';

/**
 * The REST protocols: KServe v2 and TF Serving, and with ADMIN_TOKEN the model control API (load,
 * unload through `watcher`). They share GraphQL's per-request context (httpRequestContext), limits
 * and batchers; `isReady` answers KServe's readiness route as /readyz does.
 */
export async function registerRestProtocols(
  app: FastifyInstance,
  options: {
    config: ApiConfig;
    repository: ModelRepository;
    logger: Logger;
    watcher: ReturnType<ModelRepository['watch']>;
    isReady: () => boolean;
  },
): Promise<void> {
  const { config, repository, logger, watcher, isReady } = options;
  const rest: RestDeps = {
    repository,
    logger,
    contextOptions: { repository, maxRowsPerRequest: config.maxRowsPerRequest },
    bodyLimitBytes: config.bodyLimitBytes,
  };
  await registerKserveV2(app, { ...rest, isReady, extensions: config.adminToken ? ['model_repository'] : [] });
  await registerTfServing(app, rest);
  if (config.adminToken) await registerModelControl(app, { ...rest, watcher, token: config.adminToken });
}
