import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scratchModels, startServer, type TestServer } from './harness.js';
import { openSocket, parseResponse, readAll } from './raw-http.js';

/**
 * No client-made 500s and nothing leaked: bad Host headers, variables graphql-js gives up on,
 * outputs JSON cannot carry, `__typename` aliases, unsafe request ids, failure reasons with paths,
 * schema suggestions with introspection off, and the headers and ports every route answers on.
 */
const IRIS = '{ iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) { label } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const logged = (api: TestServer) => JSON.stringify(api.logs);

describe('hardening: no client-made 500s', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer({ models: ['iris'], maxAliases: 256 });
  });
  afterAll(async () => {
    await api?.close();
  });

  test.each([['a b'], [''], ['[::1']])(
    'a Host header of %j is a 400, and the URL with its query string is not logged',
    async (host) => {
      const socket = await openSocket(api.url);
      const answer = readAll(socket, 5000);
      const body = '{"query":"{ __typename }"}';
      socket.write(
        `POST /graphql?token=secret-in-url HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
      const response = parseResponse(await answer);
      expect(response.status).toBe(400);
      expect(response.body?.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(response.body?.errors?.[0]?.message).toContain('Host header');
      expect(response.head).toMatch(/^x-request-id: [0-9a-f-]{36}$/m);
      expect(logged(api)).not.toContain('secret-in-url');
      expect(api.logs.filter((line) => line.level === 50)).toEqual([]);
    },
  );

  test('"Too many errors processing variables" is BAD_USER_INPUT, not an internal error', async () => {
    const response = await api.graphql('query($r: [IrisInput!]!) { irisBatch(inputs: $r) { label } }', {
      r: new Array(60).fill({}),
    });
    expect(response.status).toBe(400);
    const codes = new Set(response.body.errors?.map((e) => e.extensions?.code));
    expect([...codes]).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.at(-1)?.message).toContain('Too many errors processing variables');
    expect(api.logs.filter((line) => line.msg === 'internal error')).toEqual([]);
  });

  test('outputs a model cannot represent (NaN, Infinity) are a typed error, not a 500', async () => {
    const response = await api.graphql(
      '{ infer(model: "iris", inputs: [{ name: "features", shape: [1, 4], values: [3e38, 3e38, 3e38, -3e38] }]) { outputs { name values } } }',
    );
    expect(response.body.errors?.[0]?.extensions?.code).toBe('OUTPUT_NOT_FINITE');
    expect(response.body.errors?.[0]?.message).toMatch(/^Model iris@1 produced (NaN|-?Infinity) at output \w+\[\d+\]/);
    expect(response.body.data?.infer).toBeNull();
    expect(api.logs.filter((line) => line.msg === 'internal error')).toEqual([]);
  });

  test('__typename aliases count against MAX_ALIASES', async () => {
    const query = `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const response = await api.graphql(query);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('x-request-id is echoed only when it is a safe id; otherwise one is generated', async () => {
    const safe = await api.graphql(IRIS, undefined, { 'x-request-id': 'trace-42_A.b' });
    expect(safe.headers.get('x-request-id')).toBe('trace-42_A.b');
    for (const unsafe of ['../../<script>', 'x'.repeat(129), 'a b']) {
      const response = await api.graphql(IRIS, undefined, { 'x-request-id': unsafe });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
    expect(logged(api)).not.toContain('<script>');
  });

  test('every answer, refusals included, sends x-content-type-options: nosniff and its x-request-id', async () => {
    const answers: Array<[string, Response]> = [];
    for (const path of ['/healthz', '/readyz', '/metrics', '/no-such-route', '/graphql?query=%7B__typename%7D']) {
      answers.push([path, await fetch(`${api.url}${path}`, { headers: { 'apollo-require-preflight': '1' } })]);
    }
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    answers.push(['unparsable body', await post('{"query":')]);
    answers.push([
      'preflight',
      await fetch(`${api.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'http://a.test', 'access-control-request-method': 'POST' },
      }),
    ]);
    answers.push(['query', await post(JSON.stringify({ query: IRIS }), { 'x-request-id': 'mine-1' })]);
    expect(answers.map(([what, r]) => [what, r.status >= 400, r.headers.get('x-content-type-options')])).toEqual(
      answers.map(([what, r]) => [what, r.status >= 400, 'nosniff']),
    );
    for (const [what, response] of answers.slice(0, -1))
      expect([what, response.headers.get('x-request-id')]).toEqual([what, expect.stringMatching(UUID)]);
    expect(answers.at(-1)?.[1].headers.get('x-request-id')).toBe('mine-1');
    expect(answers.filter(([, r]) => r.status >= 400).map(([what]) => what)).toEqual([
      '/no-such-route',
      'unparsable body',
    ]);
  });
});

describe('hardening: failure reasons and the schema stay inside', () => {
  let scratch: Awaited<ReturnType<typeof scratchModels>>;
  let api: TestServer;
  beforeAll(async () => {
    scratch = await scratchModels({}, ['iris']);
    await writeFile(join(scratch.root, 'iris', '1', 'model.onnx'), 'not a model');
    api = await startServer({ modelsDir: scratch.root, introspection: false, metricsPort: 'off' });
  });
  afterAll(async () => {
    await api?.close();
    await scratch?.dispose();
  });

  test('clients get a short reason without paths; the log keeps the detail', async () => {
    const readyz = (await (await fetch(`${api.url}/readyz`)).json()) as {
      models: Array<{ versions: Array<{ reason?: string }> }>;
    };
    const reason = readyz.models[0].versions[0].reason ?? '';
    expect(reason).toMatch(/protobuf|parse|load/i);
    const asked = await api.graphql(IRIS);
    const info = await api.graphql('{ models { reason } }');
    for (const text of [reason, asked.body.errors?.[0]?.message ?? '', JSON.stringify(info.body)]) {
      expect(text).not.toContain(scratch.root);
      expect(text).not.toMatch(/\.cc:\d+|onnxruntime::/);
    }
    expect(asked.body.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');
    expect(logged(api)).toContain(scratch.root);
  });

  test('with INTROSPECTION=false, validation errors make no "Did you mean" suggestions', async () => {
    const response = await api.graphql('{ irs(input: { sepalLength: 1 }) { label } }');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toContain('Cannot query field "irs"');
    expect(JSON.stringify(response.body)).not.toContain('Did you mean');
  });

  test('METRICS_PORT=off serves no /metrics', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
  });
});

describe('hardening: /metrics on a port of its own', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer({ models: ['iris'], metricsPort: 0 });
  });
  afterAll(async () => {
    await api?.close();
  });

  test('the API port has no /metrics; the metrics port serves it', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
    const address = api.logs.find((line) => line.msg === 'metrics listening')?.address as string;
    const response = await fetch(`${address}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('graphql_operations_total');
    expect((await fetch(`${address}/graphql`)).status).toBe(404);
    // Suggestions stay on where introspection is on.
    const typo = await api.graphql('{ irs(input: { sepalLength: 1 }) { label } }');
    expect(JSON.stringify(typo.body)).toContain('Did you mean');
  });
});
