import { randomUUID } from 'node:crypto';
import { scratchModels, startServer, type TestServer } from './harness.js';
import { killWorker, untilQueue } from '@mserve/inference/testing';

/**
 * Leaks: logs never hold raw input values (good rows, bad rows, internal failures alike), production
 * responses never show a stack trace, CSRF prevention stays on, and introspection and the playground
 * can be turned off.
 */
const CANARY_NUMBER = 0.123456789;
const CANARY_DIGITS = '123456789';
const CANARY_TEXT = `leak-canary-${randomUUID()}`;
const STACK = /\bat [^\s]+ \(?[^\s]*\.(?:ts|js|mjs|cjs):\d+|stacktrace/i;
const IRIS = 'query Iris($input: IrisInput!) { iris(input: $input) { label } }';
const INFER =
  'query Infer($model: String!, $inputs: [TensorInput!]!) { infer(model: $model, inputs: $inputs) { model } }';

describe('hardening: leaks (production mode)', () => {
  let api: TestServer;
  let models: Awaited<ReturnType<typeof scratchModels>>;
  const nodeEnv = process.env.NODE_ENV;

  beforeAll(async () => {
    process.env.NODE_ENV = 'production';
    models = await scratchModels(
      { heavy: { hidden: 2048, batching: { maxBatchSize: 1024, maxQueueSize: 100_000, timeoutMs: 30_000 } } },
      ['iris', 'mnist'],
    );
    api = await startServer({ modelsDir: models.root });
  });
  afterAll(async () => {
    await api?.close();
    await models?.dispose();
    process.env.NODE_ENV = nodeEnv;
  });

  test('no raw input value reaches the log: good rows, bad rows, refused requests, internal errors', async () => {
    const good = { sepalLength: 5 + CANARY_NUMBER, sepalWidth: 3.5, petalLength: 1.4, petalWidth: CANARY_NUMBER };
    const responses = [
      await api.graphql(IRIS, { input: good }),
      await api.graphql('query M($p: [Float!]!) { mnist(input: { pixels: $p }) { label } }', {
        p: new Array(784).fill(CANARY_NUMBER),
      }),
      await api.graphql(IRIS, { input: { ...good, petalWidth: 30 + CANARY_NUMBER } }),
      await api.graphql(IRIS, { input: { ...good, sepalWidth: CANARY_TEXT } }),
      await api.graphql(IRIS, { input: { ...good, [CANARY_TEXT]: CANARY_NUMBER } }),
      await api.graphql(INFER, { model: CANARY_TEXT, inputs: [] }),
      await api.graphql(INFER, {
        model: 'iris',
        inputs: [{ name: 'features', shape: [1, 4], strings: [CANARY_TEXT, 'a', 'b', 'c'] }],
      }),
      await api.graphql(`{ model(name: "${CANARY_TEXT}") { name } }`),
      await api.graphql(`{ iris(input: { sepalLength: "${CANARY_TEXT}" }) { label } }`),
      await api.graphql('{ models { name } }', undefined, { 'x-timeout-ms': CANARY_TEXT }),
      await api.post(`{"query": "${CANARY_TEXT}`),
    ];
    // The client is told what was wrong (its own values may be quoted back to it)...
    expect(responses[0].body.data?.iris).toEqual({ label: 'setosa' });
    expect(responses[2].body.errors?.[0]?.message).toContain(String(30 + CANARY_NUMBER));

    // ...and an internal error while canary rows run: a worker dies mid-batch.
    const heavy = api.server.repository.get('heavy');
    const running = api.graphql(
      INFER,
      {
        model: 'heavy',
        inputs: [{ name: 'features', shape: [4096, 4], values: new Array(4 * 4096).fill(CANARY_NUMBER) }],
      },
      { 'x-request-id': 'leak-internal' },
    );
    // One batch of canary rows running, three queued.
    await untilQueue(heavy, 'three batches are queued', () => heavy.pendingRows === 3072);
    await killWorker(heavy, 0);
    const internal = await running;
    expect(internal.body.errors?.[0]).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });

    // The log saw every one of these requests, and none of their values.
    const lines = api.logs;
    // One operation line each, the internal error's included, except for the malformed body and the
    // bad x-timeout-ms header, which are refused before GraphQL starts.
    expect(lines.filter((l) => l.msg === 'graphql operation').length).toBe(responses.length - 2 + 1);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'internal error', requestId: 'leak-internal' }));
    const text = JSON.stringify(lines);
    expect(text).not.toContain(CANARY_DIGITS);
    expect(text).not.toContain(CANARY_TEXT);

    // No response shows a stack trace.
    for (const response of [...responses, internal]) expect(JSON.stringify(response.body)).not.toMatch(STACK);
  });

  test('CSRF prevention is on: a GET without a preflight header and a text/plain POST are refused', async () => {
    const query = encodeURIComponent('{ models { name } }');
    const simpleGet = await fetch(`${api.url}/graphql?query=${query}`);
    expect(simpleGet.status).toBe(400);
    expect(await simpleGet.text()).toMatch(/Cross-Site Request Forgery/);
    const preflighted = await fetch(`${api.url}/graphql?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(200);

    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const simplePost = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify({ query: '{ models { name } }' }),
      });
      expect(simplePost.status).toBeGreaterThanOrEqual(400);
      expect(simplePost.status).toBeLessThan(500);
      expect(JSON.stringify(await simplePost.json())).not.toContain('"models"');
    }
  });
});

describe('hardening: introspection and playground can be turned off', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer({ models: ['iris'], introspection: false, playground: false });
  });
  afterAll(() => api?.close());

  test('INTROSPECTION=false refuses introspection; PLAYGROUND=false serves no playground', async () => {
    const introspection = await api.graphql('{ __schema { types { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    expect((await api.graphql('{ __type(name: "Query") { name } }')).status).toBe(400);
    // The API itself still serves.
    expect((await api.graphql('{ models { name } }')).body.data).toEqual({ models: [{ name: 'iris' }] });
    expect((await fetch(`${api.url}/playground`)).status).toBe(404);
    expect((await fetch(`${api.url}/`, { redirect: 'manual' })).status).toBe(404);
  });
});
