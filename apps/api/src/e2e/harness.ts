import 'reflect-metadata';
import { EventEmitter, once } from 'node:events';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { writeSyntheticModel, type SyntheticModelOptions } from '@mserve/tools/synthetic-model';
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
  /**
   * Resolves once `condition` holds of the log lines, checked now and after each new line; rejects
   * naming `what` after `timeoutMs`.
   */
  untilLogged(
    what: string,
    condition: (logs: Array<Record<string, unknown>>) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<GraphQLResponse>;
  /** POSTs `body` as it is (any bytes, any content type) to /graphql. */
  post(body: string, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** Sum of the samples of a Prometheus metric whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/**
 * For the fast path's comparison suites: a server with it on and one with it off, started with the
 * same settings in a `beforeAll`, and closed after the suite. Read `fast` and `stock` inside tests.
 */
export function fastAndStockServers(overrides: Partial<ApiConfig> = {}): { fast: TestServer; stock: TestServer } {
  const pair = {} as { fast: TestServer; stock: TestServer };
  beforeAll(async () => {
    [pair.fast, pair.stock] = await Promise.all([
      startServer({ ...overrides, fastPath: true }),
      startServer({ ...overrides, fastPath: false }),
    ]);
  });
  afterAll(() => Promise.all([pair.fast?.close(), pair.stock?.close()]));
  return pair;
}

/** Starts the API in this process on 127.0.0.1:<ephemeral> and waits until it is ready (unless told not to). */
export async function startServer(
  overrides: Partial<ApiConfig> = {},
  options: { waitReady?: boolean } = {},
): Promise<TestServer> {
  const logs: Array<Record<string, unknown>> = [];
  const logged = new EventEmitter();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      logged.emit('lines');
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
    async untilLogged(what, condition, timeoutMs = 20_000) {
      const signal = AbortSignal.timeout(timeoutMs);
      while (!condition(logs)) {
        try {
          await once(logged, 'lines', { signal });
        } catch {
          throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
        }
      }
    },
    graphql: (query, variables, headers = {}, signal) =>
      postGraphQL(url, JSON.stringify({ query, variables }), headers, signal),
    post: (body, headers = {}) => postGraphQL(url, body, headers),
    async metric(name, labels = {}) {
      const text = await (await fetch(`${url}/metrics`)).text();
      return sumMetric(text, name, labels);
    },
    close: () => server.close(),
  };
}

/** POSTs a raw body to `<url>/graphql`; the body is read as JSON (null when it is not JSON). */
export async function postGraphQL(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal,
  });
  const text = await response.text();
  let parsed: GraphQLResponse['body'];
  try {
    parsed = JSON.parse(text) as GraphQLResponse['body'];
  } catch {
    parsed = { data: null, errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * The `infer` query for `rows` rows of float32 input, every element `value`, and its variables
 * (base64: cheap to send and parse). Defaults fit a synthetic model (`features`, 4 wide); mnist
 * is `{ tensor: 'pixels', width: 784 }`.
 */
export function inferRows(
  model: string,
  rows: number,
  options: { tensor?: string; width?: number; value?: number } = {},
): { query: string; variables: Record<string, unknown> } {
  const { tensor = 'features', width = 4, value = 0.5 } = options;
  const data = new Float32Array(rows * width).fill(value);
  return {
    query:
      'query Infer($model: String!, $inputs: [TensorInput!]!) { infer(model: $model, inputs: $inputs) { model version } }',
    variables: {
      model,
      inputs: [{ name: tensor, shape: [rows, width], base64: Buffer.from(data.buffer).toString('base64') }],
    },
  };
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A scratch model repository in a temp folder: synthetic models, plus copies of the real ones named in `copy`. */
export async function scratchModels(
  synthetic: Record<string, SyntheticModelOptions>,
  copy: readonly string[] = [],
): Promise<{ root: string; dispose(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'mserve-models-'));
  for (const [name, options] of Object.entries(synthetic)) writeSyntheticModel(root, name, options);
  for (const name of copy) await cp(join(REPO_ROOT, 'models', name), join(root, name), { recursive: true });
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}

/**
 * The API in a child process, started as `npm start` would but from the TypeScript sources: on
 * 127.0.0.1:<ephemeral>, resolved once it logs "listening" (tools' startApi).
 */
export { startApi as startChildServer, type ListeningApi as ChildServer } from '@mserve/tools/api-process';

/** Sums the samples of `name` in Prometheus text whose labels include every pair of `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[3]);
  }
  return total;
}
