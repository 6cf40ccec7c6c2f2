import 'reflect-metadata';
import { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';
import { type Logger } from 'pino';
import type { ApiConfig } from './config.js';
import { ApiMetrics } from './metrics.js';
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
export declare function createApiServer(config: ApiConfig, logger?: Logger): Promise<ApiServer>;
//# sourceMappingURL=server.d.ts.map