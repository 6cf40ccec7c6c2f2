import { serverAudits } from 'graphql-http';
import { startServer, type TestServer } from './harness.js';

const APP = 'http://localhost:5173';

describe('CORS from another origin', () => {
  let any: TestServer;
  let listed: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    [any, listed, off] = await Promise.all([
      startServer({ models: ['iris'] }),
      startServer({ models: ['iris'], corsOrigins: `${APP}, https://app.example.com` }),
      startServer({ models: ['iris'], corsOrigins: 'off' }),
    ]);
  });
  afterAll(() => Promise.all([any, listed, off].map((api) => api.close())));

  const preflight = (api: TestServer, origin: string) =>
    fetch(`${api.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
  const post = (api: TestServer, origin: string) =>
    fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  test('default *: the preflight is 204 and responses are readable from any origin, without credentials', async () => {
    const answer = await preflight(any, APP);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(answer.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    const response = await post(any, 'https://anywhere.example');
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after');
  });

  test('a listed origin gets itself back with credentials; another origin gets no CORS headers', async () => {
    const answer = await preflight(listed, APP);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('vary')).toMatch(/origin/i);
    const other = await preflight(listed, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(listed, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(listed, 'https://app.example.com')).headers.get('access-control-allow-origin')).toBe(
      'https://app.example.com',
    );
  });

  test('off: no preflight route and no CORS headers', async () => {
    expect((await preflight(off, APP)).status).toBe(404);
    expect((await post(off, APP)).headers.get('access-control-allow-origin')).toBeNull();
  });

  test('CSRF prevention stays on: a cross-origin GET without a preflight header is refused', async () => {
    const simple = await fetch(`${any.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: APP },
    });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/CSRF/);
    const preflighted = await fetch(`${any.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: APP, 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(200);
  });

  test('graphql-http audit: every MUST of the GraphQL-over-HTTP spec passes', async () => {
    const results = await Promise.all(serverAudits({ url: `${any.url}/graphql` }).map((audit) => audit.fn()));
    const must = results.filter((r) => r.name.startsWith('MUST'));
    expect(must.length).toBeGreaterThan(10);
    expect(must.filter((r) => r.status !== 'ok').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`)).toEqual([]);
    const warnings = results.filter((r) => r.status !== 'ok').map((r) => r.name);
    console.log(JSON.stringify({ audit: 'graphql-http', audits: results.length, must: must.length, notOk: warnings }));
  });
});
