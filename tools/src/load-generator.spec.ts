import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { poissonArrivals } from './arrivals.js';
import { runLoad } from './load-generator.js';

/** A stand-in API: answers `{"ok":1}` bodies with data, `{"slow":1}` with data after SLOW_MS, `{"bad":1}` with a GraphQL error, `{"down":1}` with HTTP 503. */
const SLOW_MS = 250;

function stubServer(): Promise<{ url: string; server: Server; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(body);
      if (body.includes('down')) {
        response.writeHead(503).end('{}');
      } else if (body.includes('bad')) {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"errors":[{"message":"no","extensions":{"code":"BAD_USER_INPUT"}}],"data":null}');
      } else {
        setTimeout(
          () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"x":1}}'),
          body.includes('slow') ? SLOW_MS : 2,
        );
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server, bodies }),
    ),
  );
}

describe('runLoad', () => {
  let stub: Awaited<ReturnType<typeof stubServer>>;
  beforeEach(async () => {
    stub = await stubServer();
  });
  afterEach(() => new Promise<void>((resolve) => stub.server.close(() => resolve())));

  test('closed loop: every client sends again as soon as it is answered; only the window is recorded', async () => {
    const phases: string[] = [];
    const outcome = await runLoad(
      {
        url: stub.url,
        bodies: ['{"ok":1}'],
        mode: { kind: 'closed', clients: 4 },
        warmupMs: 100,
        durationMs: 300,
        timeoutMs: 1000,
      },
      (phase) => phases.push(phase),
    );
    expect(phases).toEqual(['start', 'end']);
    expect(outcome.failed).toBe(0);
    expect(outcome.ok).toBeGreaterThan(20);
    expect(outcome.latencies).toHaveLength(outcome.ok);
    // Warm-up requests reached the server but are not counted.
    expect(stub.bodies.length).toBeGreaterThan(outcome.ok);
    expect(Math.min(...outcome.latencies)).toBeGreaterThanOrEqual(1);
  });

  test('an HTTP error or a GraphQL error in the body fails the request, by reason', async () => {
    const outcome = await runLoad({
      url: stub.url,
      bodies: ['{"ok":1}', '{"bad":1}', '{"down":1}'],
      mode: { kind: 'closed', clients: 1 },
      warmupMs: 0,
      durationMs: 200,
      timeoutMs: 1000,
    });
    expect(outcome.failed).toBeGreaterThan(0);
    expect(Object.keys(outcome.failures).sort()).toEqual(['BAD_USER_INPUT', 'HTTP 503']);
    expect(outcome.failedLatencies).toHaveLength(outcome.failed);
    expect(outcome.ok).toBeGreaterThan(0);
  });

  test('open loop: sends exactly the seeded Poisson schedule, whatever the answers take', async () => {
    // Every answer takes SLOW_MS: a generator that waited for answers would send each request at
    // least that late. (A tighter bound on the lag measured the machine, not the generator: a CI
    // run on 2 loaded cores read 60 ms.)
    const plan = {
      url: stub.url,
      bodies: ['{"slow":1}'],
      mode: { kind: 'open', rate: 400, seed: 3, maxInFlight: 256 } as const,
      warmupMs: 100,
      durationMs: 400,
      timeoutMs: 1000,
    };
    const outcome = await runLoad(plan);
    const inWindow = Array.from(poissonArrivals(400, 500, 3)).filter((t) => t >= 100 && t < 500).length;
    expect(outcome.ok + outcome.failed).toBe(inWindow);
    expect(outcome.failed).toBe(0);
    expect(Math.min(...outcome.latencies)).toBeGreaterThanOrEqual(SLOW_MS - 5);
    expect(outcome.lagP99Ms).toBeLessThan(SLOW_MS);
    // Its own event-loop delay over the window is measured (a 1 ms timer never reads 0), max ≥ p99.
    expect(outcome.loopP99Ms).toBeGreaterThan(0);
    expect(outcome.loopMaxMs).toBeGreaterThanOrEqual(outcome.loopP99Ms);
  });

  test('open loop: arrivals beyond maxInFlight are dropped and counted as failures, not queued', async () => {
    const outcome = await runLoad({
      url: stub.url,
      bodies: ['{"ok":1}'],
      mode: { kind: 'open', rate: 5000, seed: 1, maxInFlight: 1 },
      warmupMs: 0,
      durationMs: 200,
      timeoutMs: 1000,
    });
    expect(outcome.dropped).toBeGreaterThan(0);
    expect(outcome.failures['dropped: too many in flight']).toBe(outcome.dropped);
  });
});
