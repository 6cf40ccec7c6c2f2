import Fastify from 'fastify';
import { registerJsonBodyParser } from './json-body.js';

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
