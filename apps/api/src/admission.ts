import type { FastifyInstance } from 'fastify';
import { apiErrorReply } from './errors.js';
import type { InFlightRequests } from './in-flight.js';
import type { ApiMetrics } from './metrics.js';

export interface AdmissionOptions {
  metrics: ApiMetrics;
  /** Counts the /graphql requests admitted and not yet answered. */
  inFlight: InFlightRequests;
  /** MAX_BODY_BYTES_IN_FLIGHT: declared body bytes in flight beyond which a new request is refused. */
  maxBodyBytesInFlight: number;
  /** True once a graceful shutdown has begun. */
  draining: () => boolean;
}

const GRAPHQL_URL = '/graphql';

/**
 * The gate in front of /graphql, run before a body is read: while draining, every new request is
 * refused with a retryable 503 (`connection: close` sends the client elsewhere, the listener stays
 * open for probes); otherwise a request that would take the declared body bytes in flight past the
 * limit is refused the same way. Each admitted request is counted until its response closes, so
 * shutdown can wait for exactly those, and each answer is timed by status.
 */
export function registerAdmission(app: FastifyInstance, options: AdmissionOptions): void {
  const { metrics, inFlight, maxBodyBytesInFlight } = options;
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== GRAPHQL_URL) return;
    if (options.draining()) {
      metrics.refused.inc({ reason: 'shutting_down' });
      const { status, body } = apiErrorReply('DRAINING');
      return reply.status(status).header('connection', 'close').header('retry-after', '1').send(body);
    }
    // Refusing before the body is read keeps an overloaded server from reading, parsing and
    // decoding work it will refuse anyway (see docs/benchmarks.md). With nothing in flight, any
    // request within BODY_LIMIT_BYTES is taken. Only a declared content-length counts: a chunked
    // body is not known until it has been read.
    const bodyBytes = Number(request.headers['content-length']) || 0;
    if (bodyBytes > 0 && inFlight.size > 0 && inFlight.bodyBytes + bodyBytes > maxBodyBytesInFlight) {
      metrics.refused.inc({ reason: 'overloaded' });
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      const { status, body } = apiErrorReply('BODIES_IN_FLIGHT', {
        inFlight: mib(inFlight.bodyBytes),
        limit: mib(maxBodyBytesInFlight),
      });
      return reply.status(status).header('connection', 'close').header('retry-after', '1').send(body);
    }
    inFlight.track(reply.raw, bodyBytes);
  });
  // Server-side latency of every /graphql request, refusals included: set beside the clients' own
  // latency, it tells time spent in this process from time spent on the network and in the client.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.url === GRAPHQL_URL) metrics.requestAnswered(reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
