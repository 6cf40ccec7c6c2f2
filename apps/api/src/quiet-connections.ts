import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Node's `closeIdleConnections()` skips a connection that has not sent a request yet (its
 * `headersTimeout` check stops once the server closes), so one client that connects and says
 * nothing would hold `server.close()`, and the drain, forever. This counts each connection's
 * requests in progress so the drain can cut the connections with none, and any that fall quiet
 * after it began.
 */
export class QuietConnections {
  private readonly active = new Map<Socket, number>();
  private closing = false;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.active.set(socket, 0);
      socket.once('close', () => this.active.delete(socket));
    });
    server.on('request', (request, response) => {
      const socket = request.socket;
      this.active.set(socket, (this.active.get(socket) ?? 0) + 1);
      response.once('close', () => {
        const requests = this.active.get(socket);
        if (requests === undefined) return;
        const left = requests - 1;
        this.active.set(socket, left);
        if (left === 0 && this.closing) hangUp(socket);
      });
    });
  }

  /** Hangs up every connection without a request in progress, now and as the others finish. */
  close(): void {
    this.closing = true;
    for (const [socket, requests] of this.active) if (requests === 0) hangUp(socket);
  }
}

/** Ends the connection once what was written to it has gone out (a response just sent is not cut). */
function hangUp(socket: Socket): void {
  socket.end(() => socket.destroy());
}
