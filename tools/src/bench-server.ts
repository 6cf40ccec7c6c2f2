/**
 * The API under test, as its own process: `node apps/api/dist/main.js` (built by `npm run build`)
 * with the node flags its launcher gives it (apiNodeFlags), on a free loopback port, configured by
 * env vars, plus readings of its /metrics. Its CPU time is the process's own
 * (`process_cpu_seconds_total`: every thread, the session workers included).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { apiNodeFlags } from './api-process.js';

/** What the benchmark reads from /metrics (counters are totals since the server started). */
export interface ServerReading {
  /** Session runs of the model, and rows over them. */
  executions: number;
  batchRows: number;
  cpuSeconds: number;
  /** CPU time of the event-loop thread alone, from /proc (NaN where there is none). */
  loopCpuSeconds: number;
  rssBytes: number;
  /** Event-loop delay p99 since the previous reading (the server's gauge resets on every scrape). */
  eventLoopP99Seconds: number;
  /** http_request_duration_seconds of answered (200) /graphql requests: cumulative [upper bound, count] pairs, ascending. */
  requestBuckets: Array<[number, number]>;
}

export interface BenchServer {
  url: string;
  process: ChildProcess;
  read(): Promise<ServerReading>;
  /** SIGTERM, then SIGKILL after 15 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  root: string;
  model: string;
  /** Env vars on top of the defaults (LOG_LEVEL=warn, the one model, no playground). */
  env?: Record<string, string>;
  /** Node flags after the launcher's (apiNodeFlags), e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Takes the server's stdout (e.g. a `--trace-gc-nvp` trace) instead of passing it through. */
  onStdout?: (chunk: Buffer) => void;
  startTimeoutMs?: number;
}

/** Server settings written `KEY=VALUE` (the value may hold `=`; a bare `KEY` is empty), as an env object. */
export function settingsEnv(settings: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    settings.filter(Boolean).map((kv) => {
      const at = kv.indexOf('=');
      return at < 0 ? [kv, ''] : [kv.slice(0, at), kv.slice(at + 1)];
    }),
  );
}

/** `npm run build`: the API and its libs, into the `dist/` folders that `startBenchServer` runs. */
export function buildApi(root: string): void {
  console.log('building the API (npm run build)…');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

/** Starts the built API and resolves once /readyz says every model is loaded and warm. */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The node flags of the build's own launcher (apps/api/start.sh), then the benchmark's.
  const nodeArgs = [...apiNodeFlags(options.root, { ...process.env, ...options.env }), ...(options.nodeArgs ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, join(options.root, 'apps/api/dist/main.js')], {
    cwd: options.root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PLAYGROUND: 'false',
      MODELS: options.model,
      SHUTDOWN_GRACE_MS: '2000',
      ...options.env,
    },
    stdio: ['ignore', options.onStdout ? 'pipe' : 'inherit', 'pipe'],
  });
  if (options.onStdout) child.stdout?.on('data', options.onStdout);
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString('utf8'));
    process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const deadline = performance.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (hasExited) throw new Error(`the API exited before it was ready: ${stderr.join('').slice(-2000)}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the API was not ready in time');
    }
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const labels = { model: options.model };
  return {
    url,
    process: child,
    async read() {
      const text = await (await fetch(`${url}/metrics`)).text();
      return {
        executions: sumMetric(text, 'inference_executions_total', labels),
        batchRows: sumMetric(text, 'inference_batch_size_sum', labels),
        cpuSeconds: sumMetric(text, 'process_cpu_seconds_total'),
        loopCpuSeconds: threadCpuSeconds(child.pid)?.main ?? Number.NaN,
        rssBytes: sumMetric(text, 'process_resident_memory_bytes'),
        eventLoopP99Seconds: sumMetric(text, 'eventloop_delay_p99_seconds'),
        requestBuckets: histogramBuckets(text, 'http_request_duration_seconds', { status: '200' }),
      };
    },
    async stop() {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

/**
 * User and system CPU seconds of `pid`'s threads from Linux's /proc: the main (event-loop) thread's,
 * whose id is the process id, and all others' together; undefined where there is no such process.
 */
export function threadCpuSeconds(pid: number | undefined): { main: number; other: number } | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let main = 0;
  let other = 0;
  try {
    for (const tid of tids) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at state; utime and stime are 14, 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (Number(tid) === pid) main += ticks;
      else other += ticks;
    }
  } catch {
    // a thread ended between the listing and the read: the threads read so far count
  }
  return { main: main / TICKS, other: other / TICKS };
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sums the samples of `name` in Prometheus text whose labels include every pair of `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const sample of samples(text, name, labels)) total += sample.value;
  return total;
}

/**
 * The buckets of histogram `name` whose labels include every pair of `labels`, as cumulative
 * [upper bound, count] pairs in ascending order (`+Inf` last); series that differ only in other
 * labels are added up.
 */
export function histogramBuckets(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): Array<[number, number]> {
  const counts = new Map<number, number>();
  for (const { labels: found, value } of samples(text, `${name}_bucket`, labels)) {
    const le = found.le === '+Inf' ? Infinity : Number(found.le);
    counts.set(le, (counts.get(le) ?? 0) + value);
  }
  return [...counts].sort((a, b) => a[0] - b[0]);
}

function* samples(
  text: string,
  name: string,
  labels: Record<string, string>,
): Generator<{ labels: Record<string, string>; value: number }> {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) yield { labels: found, value: Number(match[3]) };
  }
}
