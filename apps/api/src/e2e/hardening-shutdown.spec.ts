import {
  inferRows,
  postGraphQL,
  scratchModels,
  startChildServer,
  type ChildServer,
  type GraphQLResponse,
} from './harness.js';
import { openSocket } from './raw-http.js';

/**
 * Graceful shutdown, on the real process (`apps/api/src/main.ts` in a child): on SIGTERM or SIGINT
 * /readyz turns 503, new requests are refused with 503 SHUTTING_DOWN, requests already accepted
 * (running or queued) finish, and the process exits 0 — within SHUTDOWN_GRACE_MS, after which
 * whatever is left is cut off so the process still exits.
 */
const BATCH = 1024;

interface Outcome {
  sentAt: number;
  /** 'ok', an error code, or the network error if there was no HTTP answer. */
  result: string;
  response?: GraphQLResponse;
}

const resultOf = (response: GraphQLResponse) =>
  response.status === 200 && !response.body.errors ? 'ok' : String(response.body.errors?.[0]?.extensions?.code);

describe('hardening: graceful shutdown', () => {
  let models: Awaited<ReturnType<typeof scratchModels>>;
  let child: ChildServer | undefined;

  beforeAll(async () => {
    models = await scratchModels({
      heavy: { hidden: 2048, batching: { maxBatchSize: BATCH, maxQueueSize: 100_000, timeoutMs: 30_000 } },
    });
  });
  afterEach(() => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    child = undefined;
  });
  afterAll(() => models?.dispose());

  /**
   * Polls (bounded, 25 ms steps) until `condition` holds. The state is the child process's, seen only
   * over HTTP: no event of it reaches this process.
   */
  const until = async (what: string, condition: () => Promise<boolean>, limitMs = 20_000) => {
    const end = performance.now() + limitMs;
    while (performance.now() < end) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`timed out waiting until ${what}`);
  };
  const readyz = async (url: string) => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string } };
  };
  const pendingRows = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^inference_pending_rows\{model="heavy",version="1"\} (\S+)$/m.exec(text)?.[1] ?? 0);
  };
  const send = async (url: string, rows: number): Promise<Outcome> => {
    const request = inferRows('heavy', rows);
    const sentAt = performance.now();
    try {
      const response = await postGraphQL(url, JSON.stringify(request));
      return { sentAt, result: resultOf(response), response };
    } catch (error) {
      return {
        sentAt,
        result: `network error: ${(error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`,
      };
    }
  };

  test('SIGTERM under load: readiness drops, new work is refused, accepted work finishes, exit 0', async () => {
    child = await startChildServer({ MODELS_DIR: models.root, SHUTDOWN_GRACE_MS: '10000' });
    const { url } = child;
    await until('ready', async () => (await readyz(url)).status === 200);

    // Concurrent load: four clients in a closed loop until the signal, plus one big request
    // (about half a second of work) so the drain lasts long enough to watch.
    let signalled = false;
    const outcomes: Outcome[] = [];
    const clients = [0, 1, 2, 3].map(async () => {
      while (!signalled) outcomes.push(await send(url, BATCH));
    });
    const big = send(url, 8 * BATCH);
    await until('the big request is queued', async () => (await pendingRows(url)) >= 4 * BATCH);

    const signalAt = performance.now();
    signalled = true;
    child.process.kill('SIGTERM');
    await until('/readyz says draining', async () => (await readyz(url)).status === 503);
    expect((await readyz(url)).body.status).toBe('draining');

    // New work while draining: refused at once, retryable, and the client is told to go elsewhere.
    const refused = await send(url, 1);
    expect(refused.result).toBe('SHUTTING_DOWN');
    expect(refused.response?.status).toBe(503);
    expect(refused.response?.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const [bigOutcome] = await Promise.all([big, ...clients]);
    const { code, signal } = await child.exited;
    const exitMs = performance.now() - signalAt;

    // Nothing accepted was lost: every request the server accepted (it logs one line per operation)
    // was answered in full, the big one included. A request sent in the instant of the signal may
    // have been refused with SHUTTING_DOWN, never dropped or failed.
    expect(bigOutcome.result).toBe('ok');
    const beforeSignal = outcomes.filter((o) => o.sentAt < signalAt);
    expect(beforeSignal.length).toBeGreaterThanOrEqual(4);
    for (const outcome of beforeSignal) expect(['ok', 'SHUTTING_DOWN']).toContain(outcome.result);
    const accepted = child.logs.filter((l) => l.msg === 'graphql operation');
    const answeredOk = [bigOutcome, ...outcomes].filter((o) => o.result === 'ok').length;
    expect(accepted.map((l) => l.outcome)).toEqual(accepted.map(() => 'ok'));
    expect(answeredOk).toBe(accepted.length);
    expect(answeredOk).toBeGreaterThanOrEqual(2);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(10_000);
    const messages = child.logs.map((l) => l.msg);
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
    expect(messages).not.toContain('shutdown grace period passed with work still running');
    console.log(
      JSON.stringify({
        hardening: 'shutdown',
        signal: 'SIGTERM',
        requestsBeforeSignal: beforeSignal.length + 1,
        answeredOk,
        refused: outcomes.filter((o) => o.result === 'SHUTTING_DOWN').length + 1,
        exitMs: Math.round(exitMs),
      }),
    );
  });

  test('SIGINT with more work than the grace period: the process still exits 0 when it runs out', async () => {
    const graceMs = 300;
    child = await startChildServer({
      MODELS_DIR: models.root,
      SHUTDOWN_GRACE_MS: String(graceMs),
      MAX_ROWS_PER_REQUEST: '100000',
    });
    const { url } = child;
    await until('ready', async () => (await readyz(url)).status === 200);
    // One batch's run on this machine as it is now: after the grace period the process may finish the
    // batch it is running, and no more.
    const batchStart = performance.now();
    expect((await send(url, BATCH)).result).toBe('ok');
    const batchMs = performance.now() - batchStart;
    // 24 batches of work, far past the grace period.
    const big = send(url, 24 * BATCH);
    await until('the big request is queued', async () => (await pendingRows(url)) >= 8 * BATCH);

    const signalAt = performance.now();
    child.process.kill('SIGINT');
    const { code, signal } = await child.exited;
    const exitMs = performance.now() - signalAt;

    expect(child.stderr.join('')).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeGreaterThanOrEqual(graceMs);
    expect(exitMs).toBeLessThan(graceMs + 2 * batchMs + 1000);
    // The request still running when the grace period ran out is cut off, not answered wrongly.
    expect((await big).result).toMatch(/^network error/);
    expect(child.logs.map((l) => l.msg)).toContain('shutdown grace period passed with work still running');
  });

  test('SIGTERM with a connection that never sends a request: it is hung up, accepted work still finishes', async () => {
    // Node's closeIdleConnections() leaves a connection that has sent nothing, and its headers
    // deadline is no longer checked once the server closes: without the drain hanging up on it,
    // the process would wait on it for the whole grace period.
    child = await startChildServer({ MODELS_DIR: models.root, SHUTDOWN_GRACE_MS: '60000' });
    const { url } = child;
    await until('ready', async () => (await readyz(url)).status === 200);
    const silent = await openSocket(url);
    const hungUp = new Promise<void>((resolve) => silent.once('close', () => resolve()).on('error', () => undefined));
    const big = send(url, 8 * BATCH);
    await until('the big request is queued', async () => (await pendingRows(url)) >= 4 * BATCH);

    const signalAt = performance.now();
    child.process.kill('SIGTERM');
    const exited = await Promise.race([
      child.exited,
      new Promise<'still running'>((resolve) => setTimeout(resolve, 20_000, 'still running')),
    ]);
    expect(exited).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalAt).toBeLessThan(20_000);
    await hungUp;
    expect((await big).result).toBe('ok');
    expect(child.logs.map((l) => l.msg)).not.toContain('shutdown grace period passed with work still running');
  });
});
