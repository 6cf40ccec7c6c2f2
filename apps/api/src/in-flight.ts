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
    let held = bodyBytes;
    let done = false;
    const socket = request.socket;
    const release = () => {
      if (done) return;
      done = true;
      this.bytes -= held;
      response.removeListener('close', release);
      socket?.removeListener('close', release);
      if (--this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
    };
    response.once('close', release);
    if (socket && !socket.destroyed) socket.once('close', release);
    else queueMicrotask(release);
    return {
      get bodyBytes() {
        return held;
      },
      charge: (bytes: number) => {
        if (done) return;
        held += bytes;
        this.bytes += bytes;
      },
      release,
    };
  }

  /** Resolves once no accepted request is left unanswered. */
  settled(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
