import type { IncomingMessage, ServerResponse } from 'node:http';
/** One request in the count: its body bytes can grow as they arrive, and it leaves once. */
export interface InFlightTicket {
    /** Body bytes this request holds in the count: declared at admission, or counted as they arrive. */
    readonly bodyBytes: number;
    /** Adds `bytes` more body bytes to this request (a body without `content-length`, as it arrives). */
    charge(bytes: number): void;
    /** Takes the request out of the count now; later calls, and the close events, do nothing. */
    release(): void;
}
/**
 * Counts the HTTP requests the server has accepted and not yet answered, and the body bytes they
 * hold, so a graceful shutdown can wait for exactly those and admission can refuse work before
 * reading it. A request leaves the count at the first of: its response closes (sent in full, or
 * its client went away), its socket closes, or `release()`. A response can miss its `close` when
 * the socket was reset before the response was tied to it, so the socket's end is watched too.
 */
export declare class InFlightRequests {
    private count;
    private bytes;
    private waiters;
    /** Requests accepted and not yet answered. */
    get size(): number;
    /** The body bytes of those requests, summed. */
    get bodyBytes(): number;
    /** Counts one accepted request, and its body's declared bytes, until it ends (see the class). */
    track(request: IncomingMessage, response: ServerResponse, bodyBytes?: number): InFlightTicket;
    /** Resolves once no accepted request is left unanswered. */
    settled(): Promise<void>;
}
//# sourceMappingURL=in-flight.d.ts.map