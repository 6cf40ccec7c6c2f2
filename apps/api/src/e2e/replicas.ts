import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { spawnApi } from '@mserve/tools/api-process';

/** Replicas of the API behind Debian's HAProxy, for the e2e tests of deployment behaviour. */

/** A free TCP port on 127.0.0.1 (bound, read, released), for a process that must keep its port across restarts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One API replica: `apps/api/src/main.ts` in a child process (through tsx, like the repo's scripts). */
export interface Replica {
  port: number;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string[];
}

/** Starts a replica on `port` with `env` on top of this process's environment; resolves once /readyz answers 200. */
export async function startReplica(port: number, env: Record<string, string>, readyMs = 60_000): Promise<Replica> {
  const child = spawnApi({ PORT: String(port), LOG_LEVEL: 'warn', ...env }, { stdout: 'ignore' });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const end = performance.now() + readyMs;
  while (!gone && performance.now() < end) {
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { port, process: child, exited, stderr };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(
    `replica on port ${port} ${gone ? 'exited' : 'was not ready'} before /readyz said 200; stderr: ${stderr.join('').slice(-2000)}`,
  );
}

/** HAProxy in front of the replicas, with its stats page for the servers' health-check state. */
export interface Balancer {
  url: string;
  /** Each server's state as HAProxy's health checks see it (`UP`, `DOWN`, `UP 1/2`, …). */
  states(): Promise<Record<string, string>>;
  /** Polls (10 ms steps) until `server` is in `state`; resolves with the ms it took. */
  until(server: string, state: 'UP' | 'DOWN', limitMs?: number): Promise<number>;
  stop(): Promise<void>;
  /** HAProxy's log lines so far (one per request, with its termination state). */
  log(): string[];
  /** Sends one command to HAProxy's runtime API (e.g. `set server replicas/r2 state maint`); resolves with its answer. */
  command(line: string): Promise<string>;
}

export interface BalancerOptions {
  /** Server name → port of its replica on 127.0.0.1. */
  servers: Record<string, number>;
  /** Requests in service per server; HAProxy queues the rest. */
  maxconnPerServer: number;
  /** Folder for the config file. */
  dir: string;
}

/**
 * Starts `haproxy` with a common configuration: round robin, a health check `GET /readyz` every
 * 250 ms (down after 2 failures, up after 2 successes), a refused connection retried on another
 * server (`retries 3`, `option redispatch 1`), and no
 * retry of a request that got an answer (a 503 goes to the client).
 */
export async function startBalancer(options: BalancerOptions): Promise<Balancer> {
  const [port, statsPort] = [await freePort(), await freePort()];
  const servers = Object.entries(options.servers).map(([name, p]) => `  server ${name} 127.0.0.1:${p} check`);
  const config = [
    'global',
    '  maxconn 2000',
    '  log stderr format raw daemon',
    `  stats socket ${join(options.dir, 'admin.sock')} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  timeout connect 500ms',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout queue 15s',
    '  timeout check 1s',
    '  retries 3',
    '  option redispatch 1',
    'frontend api',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    // A refused connection marks the server down at once: a dead server frees its slots fastest
    // and would otherwise draw every queued request until its health check fails.
    `  default-server inter 250ms fall 2 rise 2 maxconn ${options.maxconnPerServer} observe layer4 error-limit 1 on-error mark-down`,
    ...servers,
    'listen stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
  const file = join(options.dir, 'haproxy.cfg');
  await writeFile(file, config);
  // Debian puts it in /usr/sbin, which a non-root PATH may lack.
  const haproxy = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
  const child = spawn(haproxy, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`haproxy could not start (.ci/run installs Debian's haproxy): ${error.message}`)),
    );
    void exited.then(() => reject(new Error(`haproxy exited: ${stderr.join('').slice(-2000)}`)));
  });
  failed.catch(() => undefined);

  const states = async () => {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    const [header, ...rows] = csv.trim().split('\n');
    const columns = (header ?? '').replace(/^# /, '').split(',');
    const [px, sv, st] = ['pxname', 'svname', 'status'].map((c) => columns.indexOf(c));
    const result: Record<string, string> = {};
    for (const row of rows.map((r) => r.split(',')))
      if (row[px!] === 'replicas' && row[sv!] !== 'BACKEND') result[row[sv!]!] = row[st!]!;
    return result;
  };
  const until = async (server: string, state: 'UP' | 'DOWN', limitMs = 20_000) => {
    const start = performance.now();
    while (performance.now() - start < limitMs) {
      if ((await states().catch(() => ({}) as Record<string, string>))[server] === state)
        return performance.now() - start;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`HAProxy did not see ${server} ${state} within ${limitMs} ms: ${JSON.stringify(await states())}`);
  };
  // Ready once the stats page answers.
  await Promise.race([
    failed,
    (async () => {
      for (;;) {
        if (
          await states().then(
            () => true,
            () => false,
          )
        )
          return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })(),
  ]);
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => stderr.join('').split('\n'),
    command: (line) =>
      new Promise((resolve, reject) => {
        const socket = createConnection(join(options.dir, 'admin.sock'));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.end(`${line}\n`);
      }),
    states,
    until,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One request of a load run: when it started and ended, and how it went. */
export interface Outcome {
  startedAt: number;
  endedAt: number;
  /** 'ok', else the HTTP status or network error. */
  result: string;
}

/** A closed-loop load: `clients` callers, each sending its next request when the last one returns. */
export interface Load {
  outcomes: Outcome[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<Outcome[]>;
}

/** Starts `clients` closed loops posting `body` to `<url>/graphql`; `isOk` judges each answer. */
export function startLoad(
  url: string,
  clients: number,
  body: string,
  isOk: (status: number, text: string) => boolean,
): Load {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const startedAt = performance.now();
      let result: string;
      try {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await response.text();
        result = isOk(response.status, text) ? 'ok' : `HTTP ${response.status}`;
      } catch (error) {
        result = `network error: ${(error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`;
      }
      outcomes.push({ startedAt, endedAt: performance.now(), result });
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** Counts of a load run, for the report line of each test. */
export function tally(outcomes: readonly Outcome[]): {
  sent: number;
  answered: number;
  failed: number;
  failures: Record<string, number>;
} {
  const failures: Record<string, number> = {};
  for (const o of outcomes) if (o.result !== 'ok') failures[o.result] = (failures[o.result] ?? 0) + 1;
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  return { sent: outcomes.length, answered: outcomes.length - failed, failed, failures };
}
