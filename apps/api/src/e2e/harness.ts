import 'reflect-metadata';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { configWith, type ApiConfig } from '../config.js';
import { createApiServer, type ApiServer } from '../server.js';

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  };
}

/** A real server on a real loopback port, with its JSON log lines kept for assertions. */
export interface TestServer {
  url: string;
  server: ApiServer;
  logs: Array<Record<string, unknown>>;
  graphql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** Sum of the samples of a Prometheus metric whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** Starts the API in this process on 127.0.0.1:<ephemeral> and waits until it is ready (unless told not to). */
export async function startServer(overrides: Partial<ApiConfig> = {}, options: { waitReady?: boolean } = {}): Promise<TestServer> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = configWith({ port: 0, host: '127.0.0.1', ...overrides });
  const server = await createApiServer(config, pino({ level: 'info' }, sink));
  const url = await server.listen();
  if (options.waitReady !== false) await server.repository.ready();

  return {
    url,
    server,
    logs,
    async graphql(query, variables, headers = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
    },
    async metric(name, labels = {}) {
      const text = await (await fetch(`${url}/metrics`)).text();
      return sumMetric(text, name, labels);
    },
    close: () => server.close(),
  };
}

/** Sums the samples of `name` in Prometheus text whose labels include every pair of `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[3]);
  }
  return total;
}
