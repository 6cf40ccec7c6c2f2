import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from './metrics.js';
/** GET /metrics (Prometheus text) and, when enabled, the offline playground at /playground (/ redirects there). */
export declare function registerRoutes(app: FastifyInstance, options: {
    metrics: ApiMetrics;
    playground: boolean;
}): Promise<void>;
//# sourceMappingURL=routes.d.ts.map