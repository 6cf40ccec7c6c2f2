import { loadMnistSplit, sampleRows } from '@mserve/tools/datasets';
import { fastAndStockServers, type TestServer } from './harness.js';

/**
 * The fast path's direct lane against Apollo's: each request goes twice to a server with the fast
 * path on (the first answered through Apollo, which hands the document to the lane; the second
 * by the lane, or by Apollo when the lane declines it) and once to a server with it off. Status,
 * the headers Apollo sets and the body bytes must be the same, and the lane's counter tells which
 * lane answered.
 */
const digits = sampleRows(loadMnistSplit().test);
const ONE = 'query One($input: MnistInput!) { mnist(input: $input) { label confidence } }';
const TWO = `${ONE} query Two($input: MnistInput!) { mnist(input: $input) { classIndex } }`;
const MANY = 'query Many($i: [MnistInput!]!) { mnistBatch(inputs: $i) { classIndex } }';
const HEADERS = ['content-type', 'cache-control', 'retry-after', 'allow'];

interface Raw {
  status: number;
  headers: Record<string, string | null>;
  text: string;
}

async function send(server: TestServer, body: string, headers: Record<string, string>, method = 'POST'): Promise<Raw> {
  const response = await fetch(`${server.url}/graphql${method === 'GET' ? `?query=${encodeURIComponent(ONE)}` : ''}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(HEADERS.map((h) => [h, response.headers.get(h)])),
    text,
  };
}

describe('the direct lane against Apollo', () => {
  const servers = fastAndStockServers({ maxRowsPerRequest: 100 });

  /**
   * Sends `body` to both servers (twice to the fast one); expects the same answers; returns whether
   * the lane took the second.
   */
  async function same(
    body: string,
    headers: Record<string, string> = {},
    method = 'POST',
  ): Promise<Raw & { lane: boolean }> {
    const { fast, stock } = servers;
    await send(fast, body, headers, method);
    const before = await fast.metric('graphql_direct_lane_operations_total');
    const [on, off] = await Promise.all([send(fast, body, headers, method), send(stock, body, headers, method)]);
    expect(on).toEqual(off);
    return { ...on, lane: (await fast.metric('graphql_direct_lane_operations_total')) === before + 1 };
  }
  const body = (query: string, variables?: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ query, variables, ...extra });
  const input = (pixels: unknown[]) => ({ input: { pixels } });

  test('answers a known document: the same predictions, headers and bytes as Apollo', async () => {
    for (const pixels of digits.slice(0, 3)) {
      const answer = await same(body(ONE, input(pixels)));
      expect(answer).toMatchObject({ status: 200, lane: true });
      expect(answer.text.endsWith('}\n')).toBe(true);
    }
  });

  test('answers with the media type Apollo negotiates from accept', async () => {
    const b = body(ONE, input(digits[0]));
    for (const accept of [
      'application/graphql-response+json',
      'application/json',
      '*/*',
      'application/graphql-response+json, application/json;q=0.9',
    ])
      expect(await same(b, { accept })).toMatchObject({ status: 200, lane: true });
    expect(await same(b, { accept: 'text/html' })).toMatchObject({ status: 406, lane: false });
  });

  test('answers a contract error in the result as Apollo does (200, errors before data)', async () => {
    const answer = await same(body(ONE, input(digits[1].map((v, k) => (k === 3 ? 2 : v)))));
    expect(answer).toMatchObject({ status: 200, lane: true });
    expect(answer.text.startsWith('{"errors":[')).toBe(true);
  });

  test('picks the named operation of a document with several', async () => {
    const one = await same(body(TWO, input(digits[2]), { operationName: 'One' }));
    const two = await same(body(TWO, input(digits[2]), { operationName: 'Two' }));
    expect([one.lane, two.lane]).toEqual([true, true]);
    expect(JSON.parse(two.text).data.mnist).toHaveProperty('classIndex');
  });

  test.each([
    ['a variable that fails to coerce', body(ONE, input(['x', ...digits[0].slice(1)])), {}, 400],
    ['too many rows', body(MANY, { i: digits.slice(0, 101).map((pixels) => ({ pixels })) }), {}, 413],
    ['a bad x-timeout-ms header', body(ONE, input(digits[0])), { 'x-timeout-ms': 'soon' }, 400],
    ['a body with extensions', body(ONE, input(digits[0]), { extensions: {} }), {}, 200],
    ['a federation trace request', body(ONE, input(digits[0])), { 'apollo-federation-include-trace': 'ftv1' }, 200],
    ['a document longer than the lane keeps', body(`# ${'x'.repeat(17_000)}\n${ONE}`, input(digits[0])), {}, 200],
    ['an operation name the document lacks', body(TWO, input(digits[0]), { operationName: 'Three' }), {}, 400],
  ])('leaves %s to Apollo', async (_name, b, headers, status) => {
    expect(await same(b, headers)).toMatchObject({ status, lane: false });
  });

  test('leaves GET to Apollo', async () => {
    expect(await same('', { 'apollo-require-preflight': 'true' }, 'GET')).toMatchObject({ lane: false });
  });
});
