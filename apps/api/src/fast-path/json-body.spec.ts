import Fastify from 'fastify';
import { BodyThread } from './body-thread.js';
import { LARGE_BODY_BYTES, registerJsonBodyParser } from './json-body.js';

/** Bounds no body of these tests comes near: findLongList has tests of its own. */
const WIDE_BOUNDS = () => ({ objects: 1e6, elements: 1e8, strings: 1e6 });

describe('the JSON body parser', () => {
  const app = Fastify();
  registerJsonBodyParser(app, new Set(), WIDE_BOUNDS);
  app.post('/echo', async (request) => ({ body: request.body }));
  afterAll(() => app.close());

  const post = (payload: string | Buffer) =>
    app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });

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

/** Pads a body past LARGE_BODY_BYTES with a string field. */
const large = (body: string) => `{"padding":"${'.'.repeat(LARGE_BODY_BYTES)}",${body.slice(1)}`;

describe.each([
  ['a small body', (body: string) => body],
  ['a large body', large],
])('the JSON body parser with vector keys, %s', (_size, sized) => {
  const app = Fastify();
  const vectorBodies = registerJsonBodyParser(app, new Set(['pixels']), WIDE_BOUNDS, { bodyThread: false });
  app.post('/shape', async (request) => {
    const body = request.body as { variables?: { items: Array<{ pixels: unknown }> } };
    const items = body.variables?.items ?? [];
    return {
      typed: items.map((item) => item.pixels instanceof Float64Array),
      values: items.map((item) => Array.from(item.pixels as ArrayLike<number>)),
      plain: vectorBodies.plainVariables(body.variables),
    };
  });
  afterAll(() => app.close());

  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/shape', headers: { 'content-type': 'application/json' }, payload });

  test('reads the lists under those keys into Float64Arrays; plainVariables gives them as JSON.parse does', async () => {
    const variables = { items: [{ pixels: [0, 0.25, 1e-3, -0.5, 0.9919999837875366] }, { pixels: [1, 2] }] };
    const response = await post(sized(JSON.stringify({ query: '{ x }', variables })));
    expect(response.json()).toEqual({
      typed: [true, true],
      values: [
        [0, 0.25, 1e-3, -0.5, 0.9919999837875366],
        [1, 2],
      ],
      plain: variables,
    });
  });

  test('leaves a body without such a list to JSON.parse', async () => {
    const variables = { items: [{ pixels: 'not a list' }] };
    const response = await post(sized(JSON.stringify({ query: '{ x }', variables })));
    expect(response.json()).toMatchObject({ typed: [false], plain: variables });
  });

  test.each([
    ['a list that is not all numbers', '{"variables":{"items":[{"pixels":[1,"x"]}]}}', [[1, 'x']]],
    ['a constructor key', '{"variables":{"items":[{"pixels":[1],"constructor":1}]}}', [[1]]],
  ])('leaves a body with %s to JSON.parse (plain lists)', async (_name, payload, values) => {
    const response = await post(sized(payload));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ typed: [false], values });
  });

  test('reads a body whose values hold escapes or the words the poisoning guard looks for', async () => {
    const payload = '{"variables":{"items":[{"pixels":[1]}]},"q":"\\u0041 constructor __proto__"}';
    const response = await post(sized(payload));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ typed: [true], values: [[1]] });
  });

  test.each([
    ['a __proto__ key', '{"variables":{"items":[{"pixels":[1],"__proto__":{"polluted":1}}]}}'],
    ['an escaped __proto__ key', '{"variables":{"items":[{"pixels":[1]}],"\\u005f_proto__":{"polluted":1}}}'],
    [
      'a constructor.prototype key',
      '{"variables":{"items":[{"pixels":[1]}]},"a":[{"constructor":{"prototype":{"polluted":1}}}]}',
    ],
  ])('refuses a body with %s as fastify does', async (_name, payload) => {
    const response = await post(sized(payload));
    expect(response.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the JSON body parser with vector keys and the body thread', () => {
  const app = Fastify();
  registerJsonBodyParser(app, new Set(['pixels']), WIDE_BOUNDS);
  app.post('/flat', async (request) => {
    const v = (request.body as { variables: { v: unknown } }).variables.v;
    return { typed: v instanceof Float64Array, values: Array.from(v as ArrayLike<number>) };
  });
  app.post('/shape', async (request) => {
    const body = request.body as { variables?: { items: Array<{ pixels: unknown }> } };
    const items = body.variables?.items ?? [];
    return {
      typed: items.map((item) => item.pixels instanceof Float64Array),
      values: items.map((item) => Array.from(item.pixels as ArrayLike<number>)),
    };
  });
  afterAll(() => app.close());

  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/shape', headers: { 'content-type': 'application/json' }, payload });
  /** Rows of float32 values printed as doubles, as bulk clients send them, enough for the thread. */
  const rows = (seed: number, count = 40) =>
    Array.from({ length: count }, (_, row) => ({
      pixels: Array.from({ length: 784 }, (_, k) =>
        (row * 784 + k + seed) % 7 === 0 ? Math.fround(((k * 31 + seed) % 255) / 255) : 0,
      ),
    }));

  test('gives concurrent large bodies each its own values, as JSON.parse reads them', async () => {
    const bodies = Array.from({ length: 24 }, (_, seed) =>
      JSON.stringify({ query: '{ x }', variables: { items: rows(seed) } }),
    );
    expect(bodies[0].length).toBeGreaterThan(LARGE_BODY_BYTES);
    const responses = await Promise.all(bodies.map((body) => post(body)));
    responses.forEach((response, seed) => {
      expect(response.statusCode).toBe(200);
      const { typed, values } = response.json() as { typed: boolean[]; values: number[][] };
      expect(typed.every(Boolean)).toBe(true);
      expect(values).toEqual(
        (JSON.parse(bodies[seed]) as { variables: { items: Array<{ pixels: number[] }> } }).variables.items.map(
          (item) => item.pixels,
        ),
      );
    });
  });

  test('reads a long list of numbers under any key on the thread, as a Float64Array', async () => {
    const parse = vi.spyOn(BodyThread.prototype, 'parse');
    try {
      const v = Array.from({ length: 9000 }, (_, i) => Math.fround(i / 9));
      const response = await app.inject({
        method: 'POST',
        url: '/flat',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ query: '{ x }', variables: { v } }),
      });
      expect(parse).toHaveBeenCalledTimes(1);
      expect(response.json()).toEqual({ typed: true, values: v });
    } finally {
      parse.mockRestore();
    }
  });

  test('sends a body to the thread only when it holds a list under a vector key or a long list of numbers', async () => {
    const parse = vi.spyOn(BodyThread.prototype, 'parse');
    try {
      // The compact form: its base64 column is named like the list field; it is read on the event loop.
      const compact = JSON.stringify({
        variables: { columns: { pixels: Buffer.alloc(LARGE_BODY_BYTES, 1).toString('base64') } },
      });
      expect((await post(compact)).statusCode).toBe(200);
      expect(parse).not.toHaveBeenCalled();
      // Pretty-printed lists (`"pixels": [`) still take the lane.
      const spaced = await post(JSON.stringify({ variables: { items: rows(3) } }, null, 1));
      expect(parse).toHaveBeenCalledTimes(1);
      expect((spaced.json() as { typed: boolean[] }).typed).toEqual(Array(40).fill(true));
    } finally {
      parse.mockRestore();
    }
  });

  test('leaves a large body it cannot read to the event loop: plain lists, or fastify’s error', async () => {
    const items: Array<{ pixels: unknown[] }> = rows(1);
    items[39].pixels[5] = 'x';
    const declined = await post(JSON.stringify({ variables: { items } }));
    expect(declined.statusCode).toBe(200);
    expect(declined.json()).toMatchObject({ typed: Array(40).fill(false) });
    const broken = await post(JSON.stringify({ variables: { items: rows(2) } }).slice(0, -1));
    expect(broken.statusCode).toBe(400);
  });
});

describe('BodyThread', () => {
  test('reads a body on its thread, refuses one past its bounds, and once closed leaves every body to the caller', async () => {
    const thread = new BodyThread(new Set(['pixels']));
    const bounds = WIDE_BOUNDS();
    const body = Buffer.from(
      JSON.stringify({ variables: { items: [{ pixels: [0, 0.9919999837875366, 1] }], id: 'a' } }),
    );
    expect(await thread.parse(body, bounds)).toStrictEqual({
      parsed: { variables: { items: [{ pixels: new Float64Array([0, 0.9919999837875366, 1]) }], id: 'a' } },
    });
    // The caller's bytes are its own still: the thread got a copy.
    expect(body.toString()).toContain('0.9919999837875366');
    // A compact column shares its list field's name; the thread reads it as the string it is.
    const compact = Buffer.from(
      JSON.stringify({ variables: { columns: { pixels: Buffer.alloc(LARGE_BODY_BYTES, 7).toString('base64') } } }),
    );
    expect(await thread.parse(compact, bounds)).toStrictEqual({ parsed: JSON.parse(compact.toString()) });
    expect(await thread.parse(Buffer.from('{"variables":'), bounds)).toStrictEqual({ parsed: undefined });
    expect(await thread.parse(body, { objects: 1, elements: 2, strings: 1 })).toStrictEqual({
      tooLong: { path: 'variables.items[0].pixels', limit: 2, kind: 'elements' },
    });
    await thread.close();
    expect(await thread.parse(body, bounds)).toStrictEqual({});
  });
});
