import type { ServerResponse } from 'node:http';

/**
 * Counts the HTTP requests the server has accepted and not yet answered, and the body bytes they
 * declared, so a graceful shutdown can wait for exactly those and admission can refuse work before
 * reading it. A request leaves the count when its response closes: sent in full, or its client
 * went away (`close` fires in both cases, `finish` only in the first).
 */
export class InFlightRequests {
  private count = 0;
  private bytes = 0;
  private waiters: Array<() => void> = [];

  /** Requests accepted and not yet answered. */
  get size(): number {
    return this.count;
  }

  /** The `content-length` of those requests, summed. */
  get bodyBytes(): number {
    return this.bytes;
  }

  /** Counts one accepted request, and its body's declared bytes, until `response` closes. */
  track(response: ServerResponse, bodyBytes = 0): void {
    this.count++;
    this.bytes += bodyBytes;
    response.once('close', () => {
      this.bytes -= bodyBytes;
      if (--this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
    });
  }

  /** Resolves once no accepted request is left unanswered. */
  settled(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
