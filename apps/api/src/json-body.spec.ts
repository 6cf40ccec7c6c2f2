import Fastify from 'fastify';
import { plainVariables, registerJsonBodyParser } from './json-body.js';

describe('the JSON body parser', () => {
  const app = Fastify();
  registerJsonBodyParser(app);
  app.post('/echo', async (request) => ({ body: request.body }));
  afterAll(() => app.close());

  const post = (payload: string | Buffer) => app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });

  test.each([
    ['ASCII', '{"a":[1,2.5],"b":"x"}', { a: [1, 2.5], b: 'x' }],
    ['UTF-8 beyond ASCII', '{"label":"grün 0–9 ✓"}', { label: 'grün 0–9 ✓' }],
    ['an escape, which takes fastify’s path', '{"a":"\\u0041"}', { a: 'A' }],
  ])('parses %s bodies', async (_name, payload, body) => {
    const response = await post(Buffer.from(payload, 'utf8'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body });
  });

  test.each([
    ['a __proto__ key', '{"__proto__":{"polluted":1}}'],
    ['an escaped __proto__ key', '{"\\u005f_proto__":{"polluted":1}}'],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"polluted":1}}}'],
    ['malformed JSON', '{"a":'],
    ['an empty body', ''],
  ])('refuses %s as fastify does', async (_name, payload) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the JSON body parser with vector keys', () => {
  const app = Fastify();
  registerJsonBodyParser(app, new Set(['pixels']));
  app.post('/shape', async (request) => {
    const body = request.body as { variables?: { items: Array<{ pixels: unknown }> } };
    const items = body.variables?.items ?? [];
    return { typed: items.map((item) => item.pixels instanceof Float64Array), values: items.map((item) => Array.from(item.pixels as ArrayLike<number>)), plain: plainVariables(body.variables) };
  });
  afterAll(() => app.close());

  const post = (payload: string) => app.inject({ method: 'POST', url: '/shape', headers: { 'content-type': 'application/json' }, payload });

  test('reads the lists under those keys into Float64Arrays; plainVariables gives them as JSON.parse does', async () => {
    const variables = { items: [{ pixels: [0, 0.25, 1e-3, -0.5] }, { pixels: [1, 2] }] };
    const response = await post(JSON.stringify({ query: '{ x }', variables }));
    expect(response.json()).toEqual({ typed: [true, true], values: [[0, 0.25, 1e-3, -0.5], [1, 2]], plain: variables });
  });

  test.each([
    ['a list that is not all numbers', '{"variables":{"items":[{"pixels":[1,"x"]}]}}', [[1, 'x']]],
    ['an escape anywhere', '{"variables":{"items":[{"pixels":[1]}]},"q":"\\u0041"}', [[1]]],
    ['a constructor key', '{"variables":{"items":[{"pixels":[1],"constructor":1}]}}', [[1]]],
  ])('leaves a body with %s to JSON.parse (plain lists)', async (_name, payload, values) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ typed: [false], values });
  });
});

