import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ApiMetrics } from './metrics.js';

/** /metrics on a port of its own (METRICS_PORT), so it can stay off the port clients reach. */
export interface MetricsServer {
  /** Resolves with the bound address, e.g. `http://127.0.0.1:9464`. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A plain HTTP server that answers GET /metrics with the Prometheus text and anything else with 404. */
export function metricsServer(metrics: ApiMetrics, port: number, host: string, logger: Logger): MetricsServer {
  const server: Server = createServer((request, response) => {
    response.setHeader('x-content-type-options', 'nosniff');
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this port serves GET /metrics only\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics could not be collected');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal server error\n');
      },
    );
  });
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { address, port: bound } = server.address() as AddressInfo;
          const url = `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
          logger.info({ address: url }, 'metrics listening');
          resolve(url);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
