import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';

/**
 * GET /healthz (liveness: the process answers) and GET /readyz: 200 only while serving and every
 * enabled model version is loaded, warmed and has a live session worker; 503 with the per-model
 * state otherwise, and from the moment a graceful shutdown begins.
 */
export function registerProbes(app: FastifyInstance, repository: ModelRepository, draining: () => boolean): void {
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
      })),
    }));
    const serving = repository
      .list()
      .every((entry) => entry.versions.every((v) => v.state.phase !== 'ready' || v.state.model.workers.serving));
    const ready = !draining() && repository.allReady && serving;
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : draining() ? 'draining' : 'not ready', models });
  });
}
