import { startServer, type GraphQLResponse, type TestServer } from './harness.js';

const good = { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
const pixels = (n: number, value = 0.5) => Array.from({ length: n }, () => value);
const IRIS = 'query Iris($input: IrisInput!) { iris(input: $input) { label } }';
const MNIST = 'query Mnist($input: MnistInput!) { mnist(input: $input) { label } }';
const deep = (levels: number) =>
  `{ __schema { types { ${'fields { type { '.repeat(levels)}name${' } }'.repeat(levels)} } } }`;

interface Case {
  name: string;
  /** A GraphQL request, or a raw HTTP body for cases that break before GraphQL. */
  request: { query: string; variables?: Record<string, unknown> } | { raw: string };
  code: string;
  /**
   * GraphQL-over-HTTP: 4xx for a request error (no `data`), 200 once execution started (with
   * `data`, here all null), 413/503 for a request refused before GraphQL saw it.
   */
  status: number;
  /** A fragment the message must contain: the field and the item, where there is one. */
  message?: RegExp;
}

const cases: Case[] = [
  {
    name: 'out of range',
    request: { query: IRIS, variables: { input: { ...good, petalWidth: -1 } } },
    code: 'BAD_USER_INPUT',
    status: 200,
    message: /item 0, field petalWidth: must be ≥ 0, got -1/,
  },
  {
    name: 'wrong vector length',
    request: { query: MNIST, variables: { input: { pixels: pixels(783) } } },
    code: 'BAD_USER_INPUT',
    status: 200,
    message: /field pixels: must have 784 values, got 783/,
  },
  {
    name: 'vector element out of range',
    request: { query: MNIST, variables: { input: { pixels: [...pixels(10), 1.5, ...pixels(773)] } } },
    code: 'BAD_USER_INPUT',
    status: 200,
    message: /field pixels\[10\]: must be ≤ 1, got 1.5/,
  },
  {
    name: 'missing field',
    request: { query: IRIS, variables: { input: { sepalLength: 5, sepalWidth: 3, petalLength: 1 } } },
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /petalWidth/,
  },
  {
    name: 'extra field',
    request: { query: IRIS, variables: { input: { ...good, stemLength: 1 } } },
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /stemLength/,
  },
  {
    name: 'wrong type',
    request: { query: IRIS, variables: { input: { ...good, sepalLength: 'long' } } },
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /sepalLength/,
  },
  {
    name: 'NaN as a string',
    request: { query: IRIS, variables: { input: { ...good, sepalWidth: 'NaN' } } },
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /sepalWidth/,
  },
  {
    name: 'Infinity from an overflowing JSON number',
    request: {
      raw: `{"query":${JSON.stringify(IRIS)},"variables":{"input":{"sepalLength":1e999,"sepalWidth":3,"petalLength":1,"petalWidth":0.2}}}`,
    },
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /sepalLength/,
  },
  {
    name: 'unknown model',
    request: { query: '{ infer(model: "nope", inputs: []) { model } }' },
    code: 'MODEL_NOT_FOUND',
    status: 200,
    message: /Model nope not found: known models are iris, mnist/,
  },
  {
    name: 'unknown version',
    request: {
      query: IRIS.replace('iris(input: $input)', 'iris(input: $input, version: 7)'),
      variables: { input: good },
    },
    code: 'MODEL_NOT_FOUND',
    status: 200,
    message: /no version 7/,
  },
  // A variable past the row limit is refused by count before coercion (a request error, no data).
  {
    name: 'too many rows',
    request: {
      query: 'query B($inputs: [IrisInput!]!) { irisBatch(inputs: $inputs) { label } }',
      variables: { inputs: Array.from({ length: 101 }, () => good) },
    },
    code: 'PAYLOAD_TOO_LARGE',
    status: 413,
    message: /101 prediction rows in one request exceeds the limit of 100/,
  },
  {
    name: 'body too large',
    request: { raw: JSON.stringify({ query: MNIST, variables: { input: { pixels: pixels(784 * 100) } } }) },
    code: 'PAYLOAD_TOO_LARGE',
    status: 413,
    message: /limit of 200000 bytes/,
  },
  {
    name: 'too deep',
    request: { query: '{ models { inputs { fields { name } } } }' },
    code: 'QUERY_TOO_COMPLEX',
    status: 400,
    message: /depth limit of 3 exceeded/i,
  },
  {
    name: 'too deep introspection',
    request: { query: deep(4) },
    code: 'QUERY_TOO_COMPLEX',
    status: 400,
    message: /introspection depth/,
  },
  {
    name: 'too many aliases',
    request: { query: `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: models { name }`).join(' ')} }` },
    code: 'QUERY_TOO_COMPLEX',
    status: 400,
    message: /Aliases limit of 20 exceeded/,
  },
  {
    name: 'too many tokens',
    request: { query: `{ models { ${'name '.repeat(3000)} } }` },
    code: 'QUERY_TOO_COMPLEX',
    status: 400,
    message: /more (than|that) 2000 tokens/,
  },
  { name: 'malformed JSON', request: { raw: '{"query": "{ models { name } }"' }, code: 'BAD_REQUEST', status: 400 },
  { name: 'GraphQL syntax error', request: { query: '{ models { name }' }, code: 'GRAPHQL_PARSE_FAILED', status: 400 },
  { name: 'unknown field', request: { query: '{ iris { nope } }' }, code: 'GRAPHQL_VALIDATION_FAILED', status: 400 },
];

describe('bad input over HTTP', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer({
      maxRowsPerRequest: 100,
      bodyLimitBytes: 200_000,
      maxDepth: 3,
      maxAliases: 20,
      maxTokens: 2000,
    });
  });
  afterAll(() => api.close());

  async function send(request: Case['request']): Promise<GraphQLResponse> {
    if ('query' in request) return api.graphql(request.query, request.variables);
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: request.raw,
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as GraphQLResponse['body'],
    };
  }

  test.each(cases)('$name → $code, HTTP $status', async ({ request, code, status, message }) => {
    const response = await send(request);
    expect(response.status).toBe(status);
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
    // A request error has no `data` at all; an executed one has it, even when every field failed.
    if (status === 200) expect(Object.values(response.body.data ?? { none: 'no data' })).toEqual([null]);
    else expect('data' in response.body).toBe(false);
    if (message) expect(response.body.errors?.[0]?.message).toMatch(message);
    // Never a stack trace or an internal detail in what the client sees.
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+|stacktrace/i);
    // The server stays healthy and serves the next request.
    const after = await api.graphql(IRIS, { input: good });
    expect(after.body.data?.iris).toEqual({ label: 'setosa' });
  });

  test('an unknown route answers from the catalogue: 404 NOT_FOUND in the GraphQL error shape', async () => {
    const response = await fetch(`${api.url}/nope?x=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Route GET:/nope?x=1 not found', extensions: { code: 'NOT_FOUND' } }],
    });
  });

  test('a mixed request: bad items fail alone, good items still get their predictions', async () => {
    const query = `query Mixed($a: IrisInput!, $b: IrisInput!, $rows: [IrisInput!]!) {
      a: iris(input: $a) { label }
      b: iris(input: $b) { label }
      rows: irisBatch(inputs: $rows) { label }
    }`;
    const response = await api.graphql(query, {
      a: good,
      b: { ...good, sepalLength: 31 },
      rows: [
        good,
        { ...good, petalLength: -2 },
        { sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6, petalWidth: 2.5 },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      a: { label: 'setosa' },
      b: null,
      rows: [{ label: 'setosa' }, null, { label: 'virginica' }],
    });
    const errors = (response.body.errors ?? [])
      .map((e) => ({ path: e.path, code: e.extensions?.code, message: e.message }))
      .sort((x, y) => String(x.path).localeCompare(String(y.path)));
    expect(errors).toEqual([
      {
        path: ['b'],
        code: 'BAD_USER_INPUT',
        message: 'Invalid input at item 0, field sepalLength: must be ≤ 30, got 31',
      },
      {
        path: ['rows', 1],
        code: 'BAD_USER_INPUT',
        message: 'Invalid input at item 1, field petalLength: must be ≥ 0, got -2',
      },
    ]);
  });

  test('every response carries a request id: the caller’s when given, else a new one', async () => {
    const mine = await api.graphql('{ models { name } }', undefined, { 'x-request-id': 'abc-123' });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const fresh = await api.graphql('{ models { name } }');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = api.logs.find((l) => l.requestId === 'abc-123');
    expect(line).toMatchObject({ msg: 'graphql operation', outcome: 'ok', requestId: 'abc-123' });
  });

  test('graphql_operations_total and graphql_operation_seconds count each operation under its outcome', async () => {
    const ops = (outcome: string) => api.metric('graphql_operations_total', { outcome });
    const timed = (outcome: string) => api.metric('graphql_operation_seconds_count', { outcome });
    const before = {
      ok: await ops('ok'),
      bad: await ops('BAD_USER_INPUT'),
      okTimed: await timed('ok'),
      badTimed: await timed('BAD_USER_INPUT'),
    };
    await api.graphql(IRIS, { input: good });
    await api.graphql(IRIS, { input: { ...good, petalWidth: -1 } });
    await api.graphql(IRIS, { input: good });
    expect(await ops('ok')).toBe(before.ok + 2);
    expect(await ops('BAD_USER_INPUT')).toBe(before.bad + 1);
    expect(await timed('ok')).toBe(before.okTimed + 2);
    expect(await timed('BAD_USER_INPUT')).toBe(before.badTimed + 1);
  });

  test('http_request_duration_seconds times every /graphql request by status, refused bodies included, and nothing else', async () => {
    const count = (status: string) => api.metric('http_request_duration_seconds_count', { status });
    const sum = (status: string) => api.metric('http_request_duration_seconds_sum', { status });
    const before = {
      ok: await count('200'),
      bad: await count('400'),
      large: await count('413'),
      okSum: await sum('200'),
    };
    const started = performance.now();
    expect((await api.graphql(IRIS, { input: good })).status).toBe(200);
    expect((await api.graphql(IRIS, { input: good })).status).toBe(200);
    const elapsed = (performance.now() - started) / 1000;
    expect((await send({ raw: '{"query": "{ models { name } }"' })).status).toBe(400);
    expect(
      (await send({ raw: JSON.stringify({ query: MNIST, variables: { input: { pixels: pixels(784 * 100) } } }) }))
        .status,
    ).toBe(413);
    await fetch(`${api.url}/readyz`);
    expect(await count('200')).toBe(before.ok + 2);
    expect(await count('400')).toBe(before.bad + 1);
    expect(await count('413')).toBe(before.large + 1);
    // The server's time for the two requests is some of the client's time for them.
    const serverSeconds = (await sum('200')) - before.okSum;
    expect(serverSeconds).toBeGreaterThan(0);
    expect(serverSeconds).toBeLessThan(elapsed);
  });
});
