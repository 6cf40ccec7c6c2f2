import { connect, type Socket } from 'node:net';
import { startServer, type TestServer } from './harness.js';

/**
 * Admission before the body is read (MAX_BODY_BYTES_IN_FLIGHT): once the bodies of requests in
 * flight would pass the limit, a new request gets 503 OVERLOADED from its headers alone, before a
 * byte of its body is sent; smaller requests that fit, and every request once the load is gone,
 * are served as usual.
 */
const LIMIT = 64 * 1024;

/** A valid `{ __typename }` body of exactly `bytes` bytes (padded with an unused variable). */
function bodyOf(bytes: number): string {
  const head = '{"query":"{ __typename }","variables":{"pad":"';
  const tail = '"}}';
  return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
}

/** Opens a raw connection and sends a POST's headers declaring `bytes` of body, and `sent` of it. */
async function startPost(url: string, body: string, sent: number): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`,
  );
  if (sent > 0) socket.write(body.slice(0, sent));
  return socket;
}

/** The raw response on `socket` (status line, headers and body), once the server ends it or `ms` pass. */
function responseOf(socket: Socket, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, ms);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      // One response is all we wait for: a complete JSON body ends it.
      const at = text.indexOf('\r\n\r\n');
      if (at >= 0 && /\}\s*$/.test(text.slice(at + 4))) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('hardening: admission before the body is read', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startServer({ maxBodyBytesInFlight: LIMIT, models: ['iris'] });
  });
  afterAll(async () => {
    await api?.close();
  });

  test('past the limit a request is refused from its headers, unread; within it and after the load, requests are served', async () => {
    // A slow client: 60 KB declared, 100 bytes sent; its request stays in flight.
    const slowBody = bodyOf(60_000);
    const slow = await startPost(api.url, slowBody, 100);
    // The server reads the slow client's headers before it answers a later request.
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);

    // 60 KB + 10 KB > 64 KiB: refused with nothing of its body sent.
    const refused = await responseOf(await startPost(api.url, bodyOf(10_000), 0));
    expect(refused).toMatch(/^HTTP\/1\.1 503/);
    expect(refused.toLowerCase()).toContain('retry-after: 1');
    expect(refused.toLowerCase()).toContain('connection: close');
    const payload = JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(payload.errors[0].extensions.code).toBe('OVERLOADED');
    expect(payload.errors[0].message).toContain('MAX_BODY_BYTES_IN_FLIGHT');
    expect(await api.metric('http_requests_refused_total', { reason: 'overloaded' })).toBe(1);

    // 60 KB + 2 KB fits: served while the slow request is still in flight.
    const small = await api.post(bodyOf(2_000));
    expect(small.status).toBe(200);
    expect(small.body).toEqual({ data: { __typename: 'Query' } });

    // The slow client finishes: answered, and its bytes leave the count (checked while another
    // request is in flight, since with none in flight anything within the body limit is taken).
    const slowAnswer = responseOf(slow);
    slow.write(slowBody.slice(100));
    expect(await slowAnswer).toMatch(/^HTTP\/1\.1 200/);
    const otherBody = bodyOf(1_000);
    const other = await startPost(api.url, otherBody, 10);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const after = await api.post(bodyOf(10_000));
    expect(after.status).toBe(200);
    const otherAnswer = responseOf(other);
    other.write(otherBody.slice(10));
    expect(await otherAnswer).toMatch(/^HTTP\/1\.1 200/);
    expect(await api.metric('http_requests_refused_total', { reason: 'overloaded' })).toBe(1);
  });

  test('with nothing in flight, a request larger than the limit (within BODY_LIMIT_BYTES) is served', async () => {
    const response = await api.post(bodyOf(LIMIT + 1000));
    expect(response.status).toBe(200);
  });
});
