import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';

/** Where a server is in its life: serving, then on SIGTERM the lame duck (still serving), then draining. */
export type ServingPhase = 'serving' | 'lame-duck' | 'draining';

/**
 * GET /healthz (liveness: the process answers) and GET /readyz: 200 only while serving and every
 * enabled model version is loaded, warmed and has a live session worker; 503 with the per-model
 * state otherwise, and from the moment a graceful shutdown begins (the lame duck, then the drain).
 */
export function registerProbes(app: FastifyInstance, repository: ModelRepository, phase: () => ServingPhase): void {
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
        ...(v.state.phase === 'ready'
          ? { workers: v.state.model.workers.alive, serving: v.state.model.workers.serving }
          : {}),
        ...(v.reloadFailure ? { reloadFailure: v.reloadFailure } : {}),
      })),
    }));
    const now = phase();
    const ready = isServing(repository, () => now !== 'serving');
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : now === 'serving' ? 'not ready' : now, models });
  });
}

/** Whether the server is ready, as /readyz and KServe's /v2/health/ready say: not shutting down, every model version loaded and served. */
export function isServing(repository: ModelRepository, shuttingDown: () => boolean): boolean {
  const serving = repository
    .list()
    .every((entry) => entry.versions.every((v) => v.state.phase !== 'ready' || v.state.model.workers.serving));
  return !shuttingDown() && repository.allReady && serving;
}
