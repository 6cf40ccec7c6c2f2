import { timingSafeEqual } from 'node:crypto';
import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { protocolViolation } from './protocol-schemas/validator.js';
import {
  handleRest,
  parseJsonBody,
  restErrorReply,
  restScope,
  RestRequestError,
  type RestDeps,
} from './rest-common.js';

export interface ModelControlDeps extends RestDeps {
  watcher: ReturnType<ModelRepository['watch']>;
  /** The bearer token every control request must carry (ADMIN_TOKEN). */
  token: string;
}

/**
 * Triton's model repository extension: `POST /v2/repository/index` lists every model version
 * and its state, `…/models/{m}/load` (re)loads a model from the folder (new versions served once
 * warmed, the old drained), `…/models/{m}/unload` drains and unloads it (and polling leaves it
 * alone until loaded again). Registered only when ADMIN_TOKEN is set; each request must carry it
 * as `authorization: Bearer <token>`, or gets 401.
 */
export async function registerModelControl(app: FastifyInstance, deps: ModelControlDeps): Promise<void> {
  const expected = Buffer.from(deps.token, 'utf8');
  await app.register(async (scope) => {
    await restScope(scope, deps);
    scope.addHook('preHandler', async (request, reply) => {
      const given = Buffer.from(/^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '', 'utf8');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return;
      const { status, body } = restErrorReply('UNAUTHORIZED');
      return reply.status(status).header('www-authenticate', 'Bearer').send(body);
    });
    scope.post('/v2/repository/index', (request, reply) =>
      handleRest('model-control', request, reply, deps, async () => index(deps, request)),
    );
    scope.post('/v2/repository/models/:model/load', (request: FastifyRequest<{ Params: { model: string } }>, reply) =>
      handleRest('model-control', request, reply, deps, async () => {
        await deps.watcher.load(request.params.model);
        const entry = deps.repository.list().find((e) => e.name === request.params.model);
        if (!entry)
          throw new RestRequestError(
            `No model folder ${request.params.model} in the repository`,
            404,
            'MODEL_NOT_FOUND',
          );
        const failed = entry.versions.find((v) => v.state.phase === 'failed' || v.reloadFailure);
        if (failed)
          throw new RestRequestError(
            `Model ${entry.name} version ${failed.version} failed to load: ${failed.state.phase === 'failed' ? failed.state.reason : failed.reloadFailure}`,
          );
        return {};
      }),
    );
    scope.post('/v2/repository/models/:model/unload', (request: FastifyRequest<{ Params: { model: string } }>, reply) =>
      handleRest('model-control', request, reply, deps, async () => {
        if (!deps.repository.list().some((e) => e.name === request.params.model))
          throw new RestRequestError(`Model ${request.params.model} is not loaded`, 404, 'MODEL_NOT_FOUND');
        await deps.watcher.unload(request.params.model);
        return {};
      }),
    );
  });
}

/** Every version of every model, with its state (and why it failed); `{"ready": true}` keeps the ready ones. */
function index(deps: RestDeps, request: FastifyRequest) {
  const body = request.body as Buffer | undefined;
  const filter = body && body.length > 0 ? parseJsonBody(body, deps) : {};
  const violation = protocolViolation('v2#repository_index_request', filter);
  if (violation) throw new RestRequestError(violation);
  const onlyReady = (filter as { ready?: boolean }).ready === true;
  return deps.repository.list().flatMap((entry) =>
    entry.versions
      .filter((v) => !onlyReady || v.state.phase === 'ready')
      .map((v) => ({
        name: entry.name,
        version: String(v.version),
        state: v.state.phase === 'ready' ? 'READY' : v.state.phase === 'loading' ? 'LOADING' : 'UNAVAILABLE',
        ...(v.state.phase === 'failed'
          ? { reason: v.state.reason }
          : v.reloadFailure
            ? { reason: `reload failed: ${v.reloadFailure}` }
            : {}),
      })),
  );
}
