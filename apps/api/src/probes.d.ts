import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';
/**
 * GET /healthz (liveness: the process answers) and GET /readyz: 200 only while serving and every
 * enabled model version is loaded, warmed and has a live session worker; 503 with the per-model
 * state otherwise, and from the moment a graceful shutdown begins.
 */
export declare function registerProbes(app: FastifyInstance, repository: ModelRepository, draining: () => boolean): void;
//# sourceMappingURL=probes.d.ts.map