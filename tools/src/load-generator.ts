/**
 * HTTP load for the benchmark: closed-loop clients (each sends its next request when the last one
 * is answered) or open-loop Poisson arrivals (sent on schedule whatever the server does). It POSTs
 * prepared bodies over keep-alive connections with `node:http`, and records each request's latency
 * from send to last byte.
 *
 * `runLoad` does the work in this process. The benchmark runs it in a child process of its own
 * (`startLoadProcess`, load-process.ts), so the load is generated outside both the server and the benchmark's
 * in-process measurements; the child announces the start and end of the measured window, so the
 * benchmark can read the server's /metrics at exactly those moments.
 */
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { poissonArrivals } from './arrivals.js';

export type LoadMode =
  { kind: 'closed'; clients: number } | { kind: 'open'; rate: number; seed: number; maxInFlight: number };

export interface LoadPlan {
  /** Full URL of the endpoint, e.g. http://127.0.0.1:4100/graphql. */
  url: string;
  /** Request bodies (JSON), sent in turn. */
  bodies: string[];
  mode: LoadMode;
  /** Load before the measured window (not recorded). */
  warmupMs: number;
  /** The measured window. */
  durationMs: number;
  /** A request whose connection stays silent this long fails (node:http's socket timeout). */
  timeoutMs: number;
  /** Extra request headers on every request (e.g. `x-priority`). */
  headers?: Record<string, string>;
}

export interface LoadOutcome {
  /** Latency (ms) of every request sent in the window that succeeded. */
  latencies: number[];
  /** Latency (ms) of every request sent in the window that failed, at its failure. */
  failedLatencies: number[];
  /** Requests sent in the window that succeeded. */
  ok: number;
  /** Requests sent in the window that failed, and open-loop arrivals not sent because maxInFlight were outstanding. */
  failed: number;
  dropped: number;
  /** A few failure reasons and how often, for the report. */
  failures: Record<string, number>;
  windowMs: number;
  /** This process's CPU over the window, percent of one core. */
  cpuPercent: number;
  /** How late open-loop sends left, ms (p99). */
  lagP99Ms: number;
  /**
   * This process's own event-loop delay over the window, ms (p99): a pause here (its GC, the
   * scheduler) delays the reading of answers, and so adds to every latency it measures meanwhile.
   */
  loopP99Ms: number;
  /** Its longest pause over the window, ms. */
  loopMaxMs: number;
}

/** Called when the measured window starts and ends (before waiting for the window's last answers). */
export type WindowListener = (phase: 'start' | 'end') => void;

/** Runs one load plan against the server and resolves when every request of the window has settled. */
export async function runLoad(plan: LoadPlan, onWindow: WindowListener = () => undefined): Promise<LoadOutcome> {
  const target = new URL(plan.url);
  const sockets = plan.mode.kind === 'closed' ? plan.mode.clients : plan.mode.maxInFlight;
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const bodies = plan.bodies.map((body) => Buffer.from(body));
  let nextBody = 0;

  const t0 = performance.now();
  const windowStart = t0 + plan.warmupMs;
  const windowEnd = windowStart + plan.durationMs;
  const outcome: LoadOutcome = {
    latencies: [],
    failedLatencies: [],
    ok: 0,
    failed: 0,
    dropped: 0,
    failures: {},
    windowMs: plan.durationMs,
    cpuPercent: 0,
    lagP99Ms: 0,
    loopP99Ms: 0,
    loopMaxMs: 0,
  };
  let inFlight = 0;
  let stopped = false;
  // Open loop: every arrival of the schedule is sent, even one whose timer fires after the window's
  // end timer (timers are coarse); the run settles only once the last one has been dispatched.
  let scheduleDone = plan.mode.kind === 'closed';
  let settleAll: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => (settleAll = resolve));
  const inWindow = (t: number) => t >= windowStart && t < windowEnd;
  const fail = (reason: string, due: number, sentAt: number, now: number) => {
    if (!inWindow(due)) return;
    outcome.failed++;
    outcome.failedLatencies.push(now - sentAt);
    outcome.failures[reason] = (outcome.failures[reason] ?? 0) + 1;
  };

  /**
   * Sends one request; `done` runs once it settles either way. It belongs to the window if it was
   * due in it (`due`: its scheduled time in open loop, else its send time); latency runs from the send.
   */
  const send = (done: () => void, due?: number) => {
    const body = bodies[nextBody];
    nextBody = (nextBody + 1) % bodies.length;
    const sentAt = performance.now();
    const dueAt = due ?? sentAt;
    inFlight++;
    let settled = false;
    const finish = (ok: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      inFlight--;
      const now = performance.now();
      if (ok) {
        if (inWindow(dueAt)) {
          outcome.ok++;
          outcome.latencies.push(now - sentAt);
        }
      } else fail(reason, dueAt, sentAt, now);
      done();
      if (stopped && scheduleDone && inFlight === 0) settleAll();
    };
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { ...plan.headers, 'content-type': 'application/json', 'content-length': body.length },
        timeout: plan.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return finish(false, `HTTP ${res.statusCode}`);
          // A GraphQL error anywhere fails the request; the body is not parsed otherwise.
          const text = Buffer.concat(chunks).toString('utf8');
          if (text.includes('"errors"')) {
            const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? 'GraphQL error';
            return finish(false, code);
          }
          finish(true, '');
        });
        res.on('error', (error) => finish(false, error.message));
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error('timeout'));
    });
    req.on('error', (error) => finish(false, error.message === 'timeout' ? 'timeout' : error.message));
    req.end(body);
  };

  const cpuAtStart = { value: process.cpuUsage() };
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const windowTimers = [
    setTimeout(() => {
      cpuAtStart.value = process.cpuUsage();
      loopDelay.enable();
      onWindow('start');
    }, plan.warmupMs),
    setTimeout(() => {
      loopDelay.disable();
      outcome.loopP99Ms = loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0;
      outcome.loopMaxMs = loopDelay.count > 0 ? loopDelay.max / 1e6 : 0;
      const cpu = process.cpuUsage(cpuAtStart.value);
      outcome.cpuPercent = ((cpu.user + cpu.system) / 1000 / plan.durationMs) * 100;
      stopped = true;
      onWindow('end');
      if (scheduleDone && inFlight === 0) settleAll();
    }, plan.warmupMs + plan.durationMs),
  ];

  if (plan.mode.kind === 'closed') {
    const loop = () => {
      if (!stopped) send(loop);
    };
    for (let i = 0; i < plan.mode.clients; i++) loop();
  } else {
    const { rate, seed, maxInFlight } = plan.mode;
    const schedule = poissonArrivals(rate, plan.warmupMs + plan.durationMs, seed);
    const lags: number[] = [];
    let next = 0;
    // Sends everything due, then sleeps until the next arrival (timers are ~1 ms coarse; the lag is recorded).
    const tick = () => {
      const now = performance.now() - t0;
      while (next < schedule.length && schedule[next] <= now) {
        const due = schedule[next++];
        if (t0 + due >= windowStart) lags.push(now - due);
        if (inFlight >= maxInFlight) {
          if (inWindow(t0 + due)) {
            outcome.dropped++;
            outcome.failed++;
            outcome.failures['dropped: too many in flight'] =
              (outcome.failures['dropped: too many in flight'] ?? 0) + 1;
          }
          continue;
        }
        send(() => undefined, t0 + due);
      }
      if (next < schedule.length) setTimeout(tick, Math.max(0, schedule[next] - (performance.now() - t0) - 0.5));
      else {
        scheduleDone = true;
        if (stopped && inFlight === 0) settleAll();
      }
    };
    tick();
    await allSettled;
    lags.sort((a, b) => a - b);
    outcome.lagP99Ms = lags.length ? lags[Math.ceil(0.99 * lags.length) - 1] : 0;
  }
  // The window has ended and every request sent in it has settled.
  await allSettled;
  windowTimers.forEach(clearTimeout);
  agent.destroy();
  return outcome;
}
