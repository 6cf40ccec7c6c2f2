import type { Socket } from 'node:net';
import { startServer, type TestServer } from './harness.js';
import { chunk, openSocket, paddedBody, parseResponse, readAll, until, writeHead } from './raw-http.js';

/**
 * Transport attacks on raw sockets: bodies declared and never sent, chunked bodies held open, and
 * clients reset at every stage of a request. None may hold MAX_BODY_BYTES_IN_FLIGHT, memory or the
 * in-flight count past BODY_TIMEOUT_MS.
 */
const LIMIT = 64 * 1024;
const BODY_TIMEOUT_MS = 600;

describe('hardening: slow, idle, chunked and reset bodies', () => {
  let api: TestServer;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    api = await startServer({ maxBodyBytesInFlight: LIMIT, bodyTimeoutMs: BODY_TIMEOUT_MS, models: ['iris'] });
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(async () => {
    await api?.close();
  });

  const open = async () => {
    const socket = await openSocket(api.url);
    sockets.push(socket);
    return socket;
  };
  const inFlight = () => api.metric('http_requests_in_flight');

  test('a body declared and never sent is cut with 408 at BODY_TIMEOUT_MS and its bytes leave the budget at once', async () => {
    const idle = await open();
    const answer = readAll(idle);
    writeHead(idle, 60_000);
    idle.write('{"query":');
    expect(await until(inFlight, 1)).toBe(1);
    // 60 KB + 10 KB > 64 KiB: refused while the idle body holds the budget.
    expect((await api.post(paddedBody(10_000))).status).toBe(503);

    const cut = parseResponse(await answer);
    expect(cut.status).toBe(408);
    expect(cut.head).toContain('connection: close');
    expect(cut.body?.errors?.[0]?.extensions?.code).toBe('REQUEST_TIMEOUT');
    expect(cut.body?.errors?.[0]?.message).toContain('BODY_TIMEOUT_MS');
    expect(await until(inFlight, 0)).toBe(0);
    expect(await api.metric('http_request_body_bytes_in_flight')).toBe(0);
    expect((await api.post(paddedBody(10_000))).status).toBe(200);
    expect(await api.metric('http_requests_refused_total', { reason: 'body_timeout' })).toBeGreaterThanOrEqual(1);
  });

  test('a body trickling in slower than the deadline allows is cut too', async () => {
    const slow = await open();
    const answer = readAll(slow);
    const body = paddedBody(2_000);
    writeHead(slow, body.length);
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < body.length && !slow.destroyed) slow.write(body.slice(sent, (sent += 10)));
    }, 50);
    try {
      expect(parseResponse(await answer).status).toBe(408);
    } finally {
      clearInterval(drip);
    }
  });

  test('chunked bodies count against MAX_BODY_BYTES_IN_FLIGHT as they arrive, are refused past it, and time out', async () => {
    const piece = chunk(`{"query":"{ __typename }","variables":{"pad":"${'x'.repeat(20_000)}`);
    const held = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const socket = await open();
        const answer = readAll(socket);
        writeHead(socket, undefined);
        socket.write(piece);
        return answer;
      }),
    );
    const answers = (await Promise.all(held)).map((raw) => parseResponse(raw));
    const refused = answers.filter((a) => a.status === 503);
    const timedOut = answers.filter((a) => a.status === 408);
    // Six bodies of 20 KB against a 64 KiB budget: those past it are refused mid-body, the
    // others (which never finish) are cut at the deadline; none waits for ever.
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused[0].body?.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
    expect(refused.length + timedOut.length).toBe(6);
    expect(await until(inFlight, 0)).toBe(0);
    expect(await api.metric('http_request_body_bytes_in_flight')).toBe(0);
  });

  test('a chunked body within the budget is read and served', async () => {
    const socket = await open();
    const answer = readAll(socket, 5000);
    writeHead(socket, undefined, 'connection: close\r\n');
    socket.write(chunk('{"query":"{ __typename }"}') + '0\r\n\r\n');
    const raw = await answer;
    expect(parseResponse(raw).status ?? raw).toBe(200);
  });
});

describe('hardening: the in-flight count follows the socket', () => {
  // A deadline far away: only the end of the response or of the socket can take a request out.
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer({ maxBodyBytesInFlight: LIMIT, bodyTimeoutMs: 60_000, models: ['iris'] });
  });
  afterAll(async () => {
    await api?.close();
  });
  const open = () => openSocket(api.url);
  const inFlight = () => api.metric('http_requests_in_flight');

  test('clients reset at every stage of a request leave the in-flight count', async () => {
    const body = paddedBody(30_000);
    const small = JSON.stringify({
      query: '{ irisBatch(inputs: [{ sepalLength: 5, sepalWidth: 3, petalLength: 1, petalWidth: 0.2 }]) { label } }',
    });
    const stages: Array<(socket: Socket) => void> = [
      (s) => writeHead(s, body.length),
      (s) => {
        writeHead(s, body.length);
        s.write(body.slice(0, 100));
      },
      (s) => {
        writeHead(s, body.length);
        s.write(body.slice(0, 15_000));
      },
      (s) => {
        writeHead(s, body.length);
        s.write(body);
      },
      (s) => {
        writeHead(s, undefined);
        s.write(chunk(body.slice(0, 10_000)));
      },
      (s) => s.write('POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: app'),
      // Pipelined: the later responses wait for the first and are never tied to the socket.
      (s) => {
        for (let i = 0; i < 3; i++) {
          writeHead(s, small.length);
          s.write(small);
        }
      },
    ];
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        stages.map(async (stage, i) => {
          const socket = await open();
          socket.on('error', () => undefined);
          stage(socket);
          // Reset at once, or after the server has had a moment with the request.
          if ((round + i) % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 5 * round));
          socket.resetAndDestroy();
        }),
      );
    }
    expect(await until(inFlight, 0)).toBe(0);
    expect(await api.metric('http_request_body_bytes_in_flight')).toBe(0);
    // And the server still serves.
    expect((await api.post(paddedBody(1_000))).status).toBe(200);
  });
});
