import { startServer } from './harness.js';

/**
 * The lame duck (SHUTDOWN_DELAY_MS): from the moment a graceful stop begins, /readyz answers 503
 * so balancers stop sending, while /graphql still answers every request; only after the delay does
 * the drain begin (and with nothing in flight, the server closes).
 */
const QUERY = '{ iris(input: {sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2}) { label } }';

describe('lame duck after SIGTERM', () => {
  test('/readyz is 503 "lame-duck" while queries are still answered, until the delay has passed', async () => {
    const server = await startServer({ models: ['iris'], shutdownDelayMs: 600 });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    let closedAt = 0;
    const startedAt = performance.now();
    const closed = server.close().then(() => (closedAt = performance.now()));
    const readyz = await fetch(`${server.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { status: string }).status).toBe('lame-duck');
    for (let i = 0; i < 3; i++) {
      const answer = await server.graphql(QUERY);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ iris: { label: 'setosa' } });
    }
    expect(closedAt).toBe(0);

    await closed;
    expect(closedAt - startedAt).toBeGreaterThanOrEqual(590);
  });
});
