import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { InFlightRequests } from './in-flight.js';
import type { QuietConnections } from './quiet-connections.js';

export interface ShutdownParts {
  app: FastifyInstance;
  connections: QuietConnections;
  /** Stopped last, after the HTTP server has closed. */
  apollo: { stop(): Promise<void> };
  repository: ModelRepository;
  inFlight: InFlightRequests;
  logger: Logger;
  graceMs: number;
}

/**
 * The graceful stop, once draining has begun (admission refuses new /graphql requests and /readyz
 * says 503, while the listener stays open). The order matters: 1. wait for the requests accepted
 * before, with the batchers still serving (closing them first would refuse the rows of a request
 * that arrived before the signal but had not reached its batcher yet); 2. close the repository
 * (nothing is left to drain unless the grace period ran out), hang up the connections with no
 * request in progress, and close the HTTP server. If the grace period runs out, the connections
 * still open are cut (their queued rows are cancelled), the batches running finish and the
 * sessions close, so the process exits without a worker inside onnxruntime.
 */
export async function drainAndClose(parts: ShutdownParts): Promise<void> {
  const { app, connections, apollo, repository, inFlight, logger, graceMs } = parts;
  const drained = inFlight.settled().then(() => repository.close());
  const grace = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
  if ((await Promise.race([drained, grace])) === 'timeout') {
    logger.warn({ graceMs, requests: inFlight.size }, 'shutdown grace period passed with work still running');
    app.server.closeAllConnections();
    await repository.closeNow();
  }
  connections.close();
  await app.close();
  await apollo.stop();
}
