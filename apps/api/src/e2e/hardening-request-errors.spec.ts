import { startServer, type TestServer } from './harness.js';

/**
 * Requests refused as a whole before anything runs: 4xx, no `data`, a typed code and a message
 * naming the variable. Sizes are checked before graphql-js coerces a list element by element, and
 * `infer` counts its rows from the shape before it decodes a tensor.
 */
describe('hardening: request errors before work', () => {
  let api: TestServer;
  const MAX_ROWS = 10;

  beforeAll(async () => {
    api = await startServer({ models: ['iris', 'mnist'], maxRowsPerRequest: MAX_ROWS });
  });
  afterAll(async () => {
    await api?.close();
  });

  const codeOf = (body: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
    body.errors?.[0]?.extensions?.code;

  test('a vector variable longer than any contract allows is refused (413) before coercion', async () => {
    const response = await api.graphql('query($p: [Float!]!) { mnist(input: { pixels: $p }) { label } }', {
      // Within the lists any request may hold (10 rows of 784), past the contract's vector.
      p: new Array(5_000).fill(0),
    });
    expect(response.status).toBe(413);
    expect(response.body.data).toBeUndefined();
    expect(codeOf(response.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(response.body.errors?.[0]?.message).toContain('$p (MnistInput.pixels) holds 5000 elements');
    expect(response.body.errors?.[0]?.message).toContain('784');
  });

  test('the same list inside an input object variable is refused the same way', async () => {
    const response = await api.graphql('query($i: MnistInput!) { mnist(input: $i) { label } }', {
      i: { pixels: new Array(785).fill(0) },
    });
    expect(response.status).toBe(413);
    expect(response.body.errors?.[0]?.message).toContain('$i.pixels');
  });

  test('rows past MAX_ROWS_PER_REQUEST are refused by count, even when each row is empty', async () => {
    const response = await api.graphql('query($r: [IrisInput!]!) { irisBatch(inputs: $r) { label } }', {
      r: new Array(MAX_ROWS + 1).fill({}),
    });
    expect(response.status).toBe(413);
    expect(codeOf(response.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(response.body.errors?.[0]?.message).toContain('MAX_ROWS_PER_REQUEST');
    // Within the limit the same rows get graphql-js's own coercion errors.
    const within = await api.graphql('query($r: [IrisInput!]!) { irisBatch(inputs: $r) { label } }', { r: [{}] });
    expect(within.status).toBe(400);
    expect(codeOf(within.body)).toBe('BAD_USER_INPUT');
  });

  test('a name longer than any model or tensor name is refused (400)', async () => {
    const response = await api.graphql('query($m: String!) { model(name: $m) { name } }', { m: 'x'.repeat(10_000) });
    expect(response.status).toBe(400);
    expect(codeOf(response.body)).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toContain('longer than any model or tensor name');
    expect(JSON.stringify(response.body).length).toBeLessThan(1000);
  });

  test('infer counts rows from the shape against MAX_ROWS_PER_REQUEST, as a variable and as a literal', async () => {
    const values = new Array((MAX_ROWS + 1) * 4).fill(0.5);
    const asVariable = await api.graphql(
      'query($t: [TensorInput!]!) { infer(model: "iris", inputs: $t) { version } }',
      { t: [{ name: 'features', shape: [11, 4], values }] },
    );
    expect(asVariable.status).toBe(413);
    expect(asVariable.body.data).toBeUndefined();
    expect(asVariable.body.errors?.[0]?.message).toContain('$t[0].shape[0] asks for 11 rows');

    const literal = await api.graphql(
      `{ infer(model: "iris", inputs: [{ name: "features", shape: [1000, 4], base64: "" }]) { version } }`,
    );
    expect(codeOf(literal.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(literal.body.errors?.[0]?.message).toContain('1000 prediction rows');

    const ok = await api.graphql(
      `{ infer(model: "iris", inputs: [{ name: "features", shape: [1, 4], values: [5, 3, 1, 0.2] }]) { version } }`,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.data?.infer).toEqual({ version: 1 });
  });

  test('a literal shape beside a values variable is counted before the values are coerced', async () => {
    const response = await api.graphql(
      'query($v: [Float!]) { infer(model: "iris", inputs: [{ name: "features", shape: [11, 4], values: $v }]) { version } }',
      { v: new Array(44).fill(0.5) },
    );
    expect(response.status).toBe(413);
    expect(response.body.data).toBeUndefined();
    expect(codeOf(response.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(response.body.errors?.[0]?.message).toContain('a literal shape in argument "inputs" asks for 11 rows');
  });

  test('a large body with a list past any request is refused before it is parsed, on both paths', async () => {
    const rows = `[${'{},'.repeat(29_999)}{}]`;
    const body = `{"query":"query($r: [IrisInput!]!) { irisBatch(inputs: $r) { label } }","variables":{"r":${rows}}}`;
    const numbers = `{"query":"query($p: [Float!]!) { mnist(input: { pixels: $p }) { label } }","variables":{"p":[${'0,'.repeat(40_000)}0]}}`;
    const stock = await startServer({ models: ['iris', 'mnist'], maxRowsPerRequest: MAX_ROWS, fastPath: false });
    try {
      for (const server of [api, stock]) {
        const refused = await server.post(body);
        expect(refused.status).toBe(413);
        expect(codeOf(refused.body)).toBe('PAYLOAD_TOO_LARGE');
        expect(refused.body.errors?.[0]?.message).toBe(
          'Request too large: variables.r holds more than 10 objects (rows, MAX_ROWS_PER_REQUEST), more than any request may hold',
        );
        // 40,001 numbers: more than 10 rows of mnist's 784 (7,840) can hold.
        const long = await server.post(numbers);
        expect(long.status).toBe(413);
        expect(long.body.errors?.[0]?.message).toContain('variables.p holds more than 7840 elements');
      }
    } finally {
      await stock.close();
    }
  });

  test('mutations and subscriptions are request errors (400) saying what the server serves', async () => {
    const mutation = await api.graphql('mutation { __typename }');
    expect(mutation.status).toBe(400);
    expect(mutation.body.data).toBeUndefined();
    expect(codeOf(mutation.body)).toBe('BAD_REQUEST');
    expect(mutation.body.errors?.[0]?.message).toContain('does not serve mutations');

    const subscription = await api.graphql('subscription { __typename }');
    expect(subscription.status).toBe(400);
    expect(subscription.body.errors?.[0]?.message).toContain('does not serve subscriptions');
  });
});
