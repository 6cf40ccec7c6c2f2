import type { FastifyReply, FastifyRequest } from 'fastify';
import { InFlightRequests } from './in-flight.js';
import type { ApiMetrics } from './metrics.js';
export interface BodyAdmissionOptions {
    metrics: ApiMetrics;
    /** MAX_BODY_BYTES_IN_FLIGHT: body bytes of requests in flight beyond which new ones are refused. */
    maxBodyBytesInFlight: number;
    /** BODY_TIMEOUT_MS: from a request's headers to its body's last byte; later, it is cut with 408. */
    bodyTimeoutMs: number;
}
/** Why a request's body was not read to its end: answered with `statusCode` and `connection: close`. */
export declare class BodyRefusal extends Error {
    readonly statusCode: 408 | 503;
    readonly code: 'TIMEOUT' | 'OVERLOADED';
    constructor(statusCode: 408 | 503, code: 'TIMEOUT' | 'OVERLOADED', message: string);
}
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
export declare class BodyAdmission {
    private readonly options;
    readonly inFlight: InFlightRequests;
    private readonly tickets;
    constructor(options: BodyAdmissionOptions);
    /**
     * For an onRequest hook: admits the request (counted until it ends) or sends its 503 and returns
     * the reply, which the hook returns.
     */
    admit(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined;
    /**
     * For a preParsing hook: the body stream the parser reads instead of the socket's, which counts
     * a chunked body's bytes and enforces the deadline. Requests not admitted here, and requests
     * without a body, keep their stream.
     */
    readonly preParsing: (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream) => Promise<NodeJS.ReadableStream>;
}
/** Answers a BodyRefusal (from the error handler); false for any other error. */
export declare function replyToBodyRefusal(error: unknown, reply: FastifyReply): boolean;
//# sourceMappingURL=body-admission.d.ts.map