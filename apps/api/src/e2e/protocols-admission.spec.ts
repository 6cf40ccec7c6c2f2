import { startServer, type TestServer } from './harness.js';
import { openSocket, readAll } from './raw-http.js';

/** The raw status line and `{ error }` body of one HTTP/1.1 response. */
function restResponse(raw: string): { status: number | undefined; body: { error?: string } | undefined } {
  const at = raw.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1];
  try {
    return { status: status ? Number(status) : undefined, body: JSON.parse(raw.slice(at + 4)) };
  } catch {
    return { status: status ? Number(status) : undefined, body: undefined };
  }
}

const INFER = '/v2/models/iris/infer';

describe('the REST protocols share GraphQL admission, refused in their own shape', () => {
  let api: TestServer;

  beforeEach(async () => {
    api = await startServer({ bodyTimeoutMs: 300, models: ['iris'] });
  });
  afterEach(() => api.close());

  test('a REST body declared and never sent is cut with 408 as { error }', async () => {
    const socket = await openSocket(api.url);
    socket.write(
      `POST ${INFER} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n`,
    );
    const { status, body } = restResponse(await readAll(socket, 5_000));
    expect(status).toBe(408);
    expect(body?.error).toMatch(/^REQUEST_TIMEOUT: /);
  });

  test('while draining, REST inference gets 503 SHUTTING_DOWN as { error } with Retry-After', async () => {
    // A request whose body never comes keeps the drain waiting, so the refusal can be seen.
    const held = await openSocket(api.url);
    held.write(
      `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n`,
    );
    const heldAnswer = readAll(held, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = api.server.close();
    const response = await fetch(`${api.url}${INFER}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }],
      }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(((await response.json()) as { error: string }).error).toMatch(/^SHUTTING_DOWN: /);
    await heldAnswer;
    await closing;
  });
});
