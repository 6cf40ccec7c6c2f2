import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

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
export class InFlightRequests {
  private count = 0;
  private bytes = 0;
  private waiters: Array<() => void> = [];

  /** Requests accepted and not yet answered. */
  get size(): number {
    return this.count;
  }

  /** The body bytes of those requests, summed. */
  get bodyBytes(): number {
    return this.bytes;
  }

  /** Counts one accepted request, and its body's declared bytes, until it ends (see the class). */
  track(request: IncomingMessage, response: ServerResponse, bodyBytes = 0): InFlightTicket {
    this.count++;
    this.bytes += bodyBytes;
    return new Ticket(request, response, bodyBytes, this.charged, this.left);
  }

  /** A ticket's calls back into the count: bound once here, not made per request. */
  private readonly charged = (bytes: number): void => {
    this.bytes += bytes;
  };

  private readonly left = (): void => {
    if (--this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
  };

  /** Resolves once no accepted request is left unanswered. */
  settled(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * One request's place in the count. A class, not an object literal with a getter: a literal's
 * getter is a new closure each time, so each ticket got a map of its own in old space, and through
 * it the request's objects outlived every scavenge; `npm run bench:gc` shows it.
 */
class Ticket implements InFlightTicket {
  private done = false;
  private readonly socket: Socket | null;
  readonly release = (): void => {
    if (this.done) return;
    this.done = true;
    this.charged(-this.bodyBytes);
    this.response.removeListener('close', this.release);
    this.socket?.removeListener('close', this.release);
    this.left();
  };

  constructor(
    request: IncomingMessage,
    private readonly response: ServerResponse,
    public bodyBytes: number,
    private readonly charged: (bytes: number) => void,
    private readonly left: () => void,
  ) {
    this.socket = request.socket;
    response.once('close', this.release);
    if (this.socket && !this.socket.destroyed) this.socket.once('close', this.release);
    else queueMicrotask(this.release);
  }

  charge(bytes: number): void {
    if (this.done) return;
    this.bodyBytes += bytes;
    this.charged(bytes);
  }
}
