import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startBalancer, startLoad, startReplica, tally, type Balancer, type Replica } from './replicas.js';

/**
 * Three API replicas (real processes) behind Debian's HAProxy, health-checked on /readyz every
 * 250 ms, with no retry of a request that got an answer; 32 clients send single-row iris queries
 * in closed loops. A rolling restart loses nothing thanks to the lame duck (SHUTDOWN_DELAY_MS
 * above HAProxy's 2 × 250 ms to mark a server down); a kill -9 fails only what HAProxy had handed
 * to that replica before it died; a third replica raises throughput.
 *
 * On 2 shared cores CPU does not grow with replicas, so each replica's capacity is made its own:
 * HAProxy serves at most MAXCONN requests per server at once, and each replica's batcher holds an
 * under-full batch for 100 ms (MAX_QUEUE_DELAY_MICROS), so a replica answers about MAXCONN per
 * 100 ms, far below what even a busy machine's CPUs allow.
 */
const CLIENTS = 32;
const MAXCONN = 1;
const SERVERS = ['r0', 'r1', 'r2'] as const;
const REPLICA_ENV = {
  MODELS: 'iris',
  INSTANCES: '1',
  THREADS_PER_INSTANCE: '1',
  MAX_QUEUE_DELAY_MICROS: '100000',
  SHUTDOWN_DELAY_MS: '1500',
  SHUTDOWN_GRACE_MS: '10000',
};
const QUERY = JSON.stringify({
  query: '{ iris(input: {sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2}) { label confidence } }',
});
const isSetosa = (status: number, text: string) => status === 200 && text.includes('"label":"setosa"');

describe('replicas behind HAProxy', () => {
  let dir: string;
  let balancer: Balancer;
  const ports: Record<string, number> = {};
  const replicas: Record<string, Replica | undefined> = {};

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const start = async (name: string) => {
    replicas[name] = await startReplica(ports[name]!, REPLICA_ENV);
    await balancer.until(name, 'UP');
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mserve-haproxy-'));
    for (const name of SERVERS) ports[name] = await freePort();
    balancer = await startBalancer({ servers: ports, maxconnPerServer: MAXCONN, dir });
    await Promise.all(['r0', 'r1'].map(start));
  }, 120_000);
  afterAll(async () => {
    for (const replica of Object.values(replicas)) replica?.process.kill('SIGKILL');
    await balancer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('scaling from 2 to 3 replicas raises throughput', async () => {
    // r2 is taken out of rotation (maintenance) and put back three times under one steady load, so
    // both sizes see the same background load of the machine; throughput is summed per size.
    await start('r2');
    const load = startLoad(balancer.url, CLIENTS, QUERY, isSetosa);
    const answered = { 2: 0, 3: 0 };
    for (const size of [2, 3, 2, 3, 2, 3] as const) {
      await balancer.command(`set server replicas/r2 state ${size === 2 ? 'maint' : 'ready'}`);
      if (size === 3) await balancer.until('r2', 'UP');
      await sleep(300);
      const from = performance.now();
      await sleep(1500);
      const to = performance.now();
      answered[size] += load.outcomes.filter((o) => o.result === 'ok' && o.endedAt >= from && o.endedAt < to).length;
    }
    const counts = tally(await load.stop());
    const ratio = answered[3] / answered[2];
    console.log(
      `scaling: 2 replicas ${(answered[2] / 4.5).toFixed(0)} req/s, 3 replicas ${(answered[3] / 4.5).toFixed(0)} req/s, ratio ${ratio.toFixed(2)} (sent ${counts.sent}, failed ${counts.failed})`,
    );
    expect(counts.failed).toBe(0);
    expect(ratio).toBeGreaterThan(1.1);
  }, 120_000);

  test('a rolling restart of every replica under load fails no request', async () => {
    const load = startLoad(balancer.url, CLIENTS, QUERY, isSetosa);
    await sleep(500);
    const steps: string[] = [];
    for (const name of SERVERS) {
      const old = replicas[name]!;
      const t0 = performance.now();
      old.process.kill('SIGTERM');
      const down = await balancer.until(name, 'DOWN');
      const { code } = await old.exited;
      expect(code).toBe(0);
      const stopped = performance.now() - t0;
      await start(name);
      steps.push(
        `${name}: down after ${down.toFixed(0)} ms, exited after ${stopped.toFixed(0)} ms, back up after ${(performance.now() - t0).toFixed(0)} ms`,
      );
    }
    await sleep(500);
    const counts = tally(await load.stop());
    console.log(
      `rolling restart: sent ${counts.sent}, answered ${counts.answered}, failed ${counts.failed} ${JSON.stringify(counts.failures)}; ${steps.join('; ')}`,
    );
    expect(counts.sent).toBeGreaterThan(100);
    expect(counts.failures).toEqual({});
  }, 240_000);

  test('kill -9 of a replica fails only requests in flight on it, and HAProxy routes around it', async () => {
    const load = startLoad(balancer.url, CLIENTS, QUERY, isSetosa);
    await sleep(1000);
    const logFrom = balancer.log().length;
    const killedAt = performance.now();
    replicas.r1!.process.kill('SIGKILL');
    const downMs = await balancer.until('r1', 'DOWN');
    const downAt = killedAt + downMs;
    await sleep(1000);
    const outcomes = await load.stop();
    const counts = tally(outcomes);
    const failed = outcomes.filter((o) => o.result !== 'ok');
    const inFlight = failed.filter((o) => o.startedAt < killedAt).length;
    // HAProxy's log names the server of every answer that was not a 200.
    const refused = balancer
      .log()
      .slice(logFrom)
      .filter((line) => / api replicas\/\S+ /.test(line) && !/ 200 \d+ /.test(line));
    console.log(
      `kill -9: sent ${counts.sent}, answered ${counts.answered}, failed ${counts.failed} ${JSON.stringify(counts.failures)} ` +
        `(${inFlight} sent before the kill); HAProxy marked it down after ${downMs.toFixed(0)} ms`,
    );
    // What failed was on r1 when it died, or handed to it before HAProxy saw it die; every request
    // sent after that was answered.
    for (const line of refused) expect(line).toContain(' api replicas/r1 ');
    for (const o of failed) expect(o.startedAt).toBeLessThan(downAt);
    expect(counts.failed).toBeLessThanOrEqual(CLIENTS);
    expect(downMs).toBeLessThan(3000);
    const after = outcomes.filter((o) => o.startedAt > downAt);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((o) => o.result !== 'ok')).toEqual([]);
  }, 60_000);
});
