import type { FastifyInstance } from 'fastify';
import { apiErrorReply } from './errors.js';
import type { BodyAdmission } from './body-admission.js';
import { restErrorReply } from './rest-common.js';
import type { ApiMetrics } from './metrics.js';

export interface AdmissionOptions {
  metrics: ApiMetrics;
  /** Body admission: the in-flight count, MAX_BODY_BYTES_IN_FLIGHT and BODY_TIMEOUT_MS. */
  bodies: BodyAdmission;
  /** True once a graceful shutdown has begun. */
  draining: () => boolean;
}

const GRAPHQL_URL = '/graphql';

/**
 * The gate in front of /graphql and the REST inference routes, run before a body is read: while draining, every new request is
 * refused with a retryable 503 (`connection: close` sends the client elsewhere, the listener stays
 * open for probes); otherwise a request that would take the declared body bytes in flight past the
 * limit is refused the same way (see BodyAdmission). Each admitted request is counted until it ends, so
 * shutdown can wait for exactly those, and each answer is timed by status.
 */
export function registerAdmission(app: FastifyInstance, options: AdmissionOptions): void {
  const { metrics, bodies } = options;
  app.addHook('preParsing', bodies.preParsing);
  app.addHook('onRequest', async (request, reply) => {
    // REST inference routes (marked ADMITTED) pass the same gate, refused in their protocols' shape.
    const rest = (request.routeOptions.config as { admitted?: boolean } | undefined)?.admitted === true;
    if (request.routeOptions.url !== GRAPHQL_URL && !rest) return;
    const refuse = (name: 'DRAINING' | 'BODIES_IN_FLIGHT', params?: Record<string, string>) => {
      const { status, body } = rest ? restErrorReply(name, params) : apiErrorReply(name, params);
      return reply.status(status).header('connection', 'close').header('retry-after', '1').send(body);
    };
    if (options.draining()) {
      metrics.refused.inc({ reason: 'shutting_down' });
      return refuse('DRAINING');
    }
    // The body's own admission, deadline and count: see body-admission.ts.
    return bodies.admit(request, reply, rest ? restErrorReply : apiErrorReply);
  });
  // Server-side latency of every /graphql request, refusals included: set beside the clients' own
  // latency, it tells time spent in this process from time spent on the network and in the client.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.url === GRAPHQL_URL) metrics.requestAnswered(reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
