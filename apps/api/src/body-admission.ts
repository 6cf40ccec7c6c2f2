import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import { ApiError, apiErrorReply, type ApiErrorName } from './errors.js';
import { InFlightRequests, type InFlightTicket } from './in-flight.js';
import type { ApiMetrics } from './metrics.js';

export interface BodyAdmissionOptions {
  metrics: ApiMetrics;
  /** MAX_BODY_BYTES_IN_FLIGHT: body bytes of requests in flight beyond which new ones are refused. */
  maxBodyBytesInFlight: number;
  /** BODY_TIMEOUT_MS: from a request's headers to its body's last byte; later, it is cut with 408. */
  bodyTimeoutMs: number;
}

/** Why a request's body was not read to its end: answered from the catalogue with `connection: close`. */
export class BodyRefusal extends ApiError {
  constructor(
    reason: Extract<ApiErrorName, 'BODY_TIMEOUT' | 'BODIES_IN_FLIGHT'>,
    params: Record<string, string | number>,
  ) {
    super(reason, params);
    this.name = 'BodyRefusal';
  }
}

/** Renders a catalogue error in a protocol's shape: GraphQL's `{ errors }` or REST's `{ error }`. */
export type ErrorRenderer = (
  name: ApiErrorName,
  params?: Record<string, string | number>,
) => { status: number; body: unknown };

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Where an admitted request keeps its ticket: on the request itself, not in a WeakMap, whose table
 * lives in old space and so kept each request's objects alive through scavenges.
 */
const TICKET = Symbol('inFlightTicket');
type Admitted = IncomingMessage & { [TICKET]?: InFlightTicket };

/**
 * The body side of admission for /graphql, so no client can hold the server's body budget or
 * memory by sending slowly, not at all, or without a length:
 * - a request whose declared `content-length` would take the bytes in flight past the limit is
 *   refused from its headers (503, unread); with nothing else in flight any request is taken;
 * - a body without `content-length` (chunked) is counted as it arrives against the same limit, and
 *   cut with 503 once it would pass it while other requests are in flight;
 * - every body must arrive whole within `bodyTimeoutMs` of its headers (one overall bound, however
 *   fast or slow it trickles in): past that it is cut with 408 and leaves the count at once.
 * A request leaves the count at the first of its response's or socket's close (see InFlightRequests).
 */
export class BodyAdmission {
  readonly inFlight = new InFlightRequests();

  constructor(private readonly options: BodyAdmissionOptions) {
    const inFlight = this.inFlight;
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'GraphQL requests accepted and not yet answered',
      registers: [options.metrics.registry],
      collect() {
        this.set(inFlight.size);
      },
    });
    new Gauge({
      name: 'http_request_body_bytes_in_flight',
      help: 'Body bytes those requests hold in the MAX_BODY_BYTES_IN_FLIGHT budget',
      registers: [options.metrics.registry],
      collect() {
        this.set(inFlight.bodyBytes);
      },
    });
    options.metrics.refused.inc({ reason: 'body_timeout' }, 0);
  }

  /**
   * For an onRequest hook: admits the request (counted until it ends) or sends its 503 and returns
   * the reply, which the hook returns.
   */
  admit(request: FastifyRequest, reply: FastifyReply, render: ErrorRenderer = apiErrorReply): FastifyReply | undefined {
    const { maxBodyBytesInFlight, metrics } = this.options;
    const declared = Number(request.headers['content-length']) || 0;
    if (declared > 0 && this.inFlight.size > 0 && this.inFlight.bodyBytes + declared > maxBodyBytesInFlight) {
      metrics.refused.inc({ reason: 'overloaded' });
      const { status, body } = render('BODIES_IN_FLIGHT', {
        inFlight: mib(this.inFlight.bodyBytes),
        limit: mib(maxBodyBytesInFlight),
      });
      return reply.status(status).header('connection', 'close').header('retry-after', '1').send(body);
    }
    (request.raw as Admitted)[TICKET] = this.inFlight.track(request.raw, reply.raw, declared);
    return undefined;
  }

  /**
   * For a preParsing hook: the body stream the parser reads instead of the socket's, which counts
   * a chunked body's bytes and enforces the deadline. Requests not admitted here, and requests
   * without a body, keep their stream.
   */
  readonly preParsing = async (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: NodeJS.ReadableStream,
  ): Promise<NodeJS.ReadableStream> => {
    const ticket = (request.raw as Admitted)[TICKET];
    const chunked = request.headers['content-length'] === undefined;
    if (!ticket || (chunked && request.headers['transfer-encoding'] === undefined)) return payload;
    // A declared body already buffered whole (most small ones arrive with their headers) has
    // nothing left to count or time out: its declared length is the ticket's, charged at admission.
    if (!chunked && request.raw.readableLength >= ticket.bodyBytes) return payload;
    const { bodyTimeoutMs, maxBodyBytesInFlight, metrics } = this.options;
    const inFlight = this.inFlight;
    const cut = (refusal: BodyRefusal) => {
      clearTimeout(timer);
      ticket.release();
      payload.unpipe(body);
      body.destroy(refusal);
    };
    const body = new Transform({
      transform(chunk: Buffer, _encoding, done: TransformCallback) {
        if (chunked) {
          ticket.charge(chunk.length);
          if (inFlight.bodyBytes > maxBodyBytesInFlight && inFlight.size > 1) {
            metrics.refused.inc({ reason: 'overloaded' });
            return cut(
              new BodyRefusal('BODIES_IN_FLIGHT', {
                inFlight: mib(inFlight.bodyBytes),
                limit: mib(maxBodyBytesInFlight),
              }),
            );
          }
        }
        done(null, chunk);
      },
      flush(done: TransformCallback) {
        clearTimeout(timer);
        done();
      },
    });
    const timer = setTimeout(() => {
      metrics.refused.inc({ reason: 'body_timeout' });
      cut(new BodyRefusal('BODY_TIMEOUT', { timeoutMs: bodyTimeoutMs }));
    }, bodyTimeoutMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    payload.once('error', (error: Error) => {
      clearTimeout(timer);
      body.destroy(error);
    });
    return payload.pipe(body);
  };
}

/** Answers a BodyRefusal (from an error handler) in the route's own shape; false for any other error. */
export function replyToBodyRefusal(
  error: unknown,
  reply: FastifyReply,
  render: ErrorRenderer = apiErrorReply,
): boolean {
  if (!(error instanceof BodyRefusal)) return false;
  const { status, body } = render(error.reason, error.params);
  const head = reply.status(status).header('connection', 'close');
  if (status === 503) head.header('retry-after', '1');
  void head.send(body);
  return true;
}
