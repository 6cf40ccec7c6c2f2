import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { apiErrorReply } from './errors.js';

/** Where the web app's build is served. */
export const WEB_APP_PATH = '/app/';

/**
 * Serves the build of apps/web (`nx build @mserve/web` writes it; `npm start` runs that build)
 * under /app/. Without a build the API still starts: it says so in the log, and /app answers 404
 * with the command that makes one.
 */
export async function registerWebApp(app: FastifyInstance, dir: string, logger: Logger): Promise<'served' | 'missing'> {
  if (!existsSync(join(dir, 'index.html'))) {
    logger.warn(
      { webDir: dir },
      'web app not built: /app answers 404 until `npx nx build @mserve/web` (npm start builds it)',
    );
    const { status, body } = apiErrorReply('WEB_APP_NOT_BUILT', { index: join(dir, 'index.html') });
    const missing = async (_request: unknown, reply: FastifyReply) => reply.status(status).send(body);
    app.get('/app', missing);
    app.get('/app/*', missing);
    return 'missing';
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: WEB_APP_PATH,
    // Another static root may be registered beside this one; only one may decorate the reply.
    decorateReply: false,
    // Hashed asset names change with their content; index.html must be revalidated to find them.
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  // /app → /app/, so the build's relative asset paths resolve under the prefix.
  app.get('/app', async (_request, reply) => reply.redirect(WEB_APP_PATH));
  return 'served';
}
