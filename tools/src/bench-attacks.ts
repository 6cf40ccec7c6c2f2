/**
 * What one client can do to the API by itself: hold its body budget with idle bodies, hold its
 * memory with chunked bodies, and stall its event loop with one large request. Starts the API from
 * its sources (as the e2e tests do) with the default models and settings, runs each attack, and
 * prints one figure per attack:
 * - idle: POSTs served (of those sent, one every 50 ms) while 4 connections each declare a body of
 *   BODY_LIMIT_BYTES and send nothing;
 * - chunked: the server's RSS growth while 40 chunked bodies of 15 MiB are held open;
 * - stall: for each large request, its status, the longest a /healthz probe (one at a time, every
 *   5 ms, from a process of its own) waited while it ran, and the server's own longest event-loop
 *   delay meanwhile (prom-client's nodejs_eventloop_lag_max_seconds, 10 ms resolution, reset by
 *   each scrape): how long the event loop was held.
 *
 *   npm run bench:attacks [-- --only idle,chunked,stall] [--seconds 15] [SETTING=value …]
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { spawnApi } from './api-process.js';

const MIB = 2 ** 20;

interface Api {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startApi(env: Record<string, string>): Promise<Api> {
  const port = await freePort();
  const child = spawnApi(
    { PORT: String(port), LOG_LEVEL: 'warn', PLAYGROUND: 'false', ...env },
    { stdout: 'ignore', stderr: 'inherit' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await sleep(100);
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url,
    port,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

const IRIS = JSON.stringify({
  query: '{ iris(input: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }) { label } }',
});

async function post(url: string, body: string): Promise<number> {
  return fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
    async (r) => (await r.arrayBuffer(), r.status),
    () => 0,
  );
}

/** The server's longest event-loop delay since the last scrape, in ms (the scrape resets it). */
async function loopDelayMax(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return 1000 * Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1] ?? NaN);
}

async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/** POSTs served while idle declared bodies sit on the connections. */
async function idle(api: Api, seconds: number): Promise<string> {
  const sockets = await Promise.all(Array.from({ length: 4 }, () => open(api.port)));
  for (const s of sockets)
    s.write(
      `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${16 * MIB}\r\n\r\n`,
    );
  await sleep(200);
  const statuses: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    statuses.push(await post(api.url, IRIS));
    await sleep(50);
  }
  for (const s of sockets) s.destroy();
  const served = statuses.filter((s) => s === 200).length;
  return `idle: ${served} of ${statuses.length} POSTs served in ${seconds} s under 4 idle 16 MiB bodies (statuses: ${summary(statuses)})`;
}

/** RSS growth while chunked bodies are held open. */
async function chunked(api: Api): Promise<string> {
  const before = await rss(api.url);
  const piece = Buffer.alloc(MIB, 'x');
  const frame = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
  const sockets: Socket[] = [];
  for (let i = 0; i < 40; i++) {
    const s = await open(api.port);
    sockets.push(s);
    s.write(
      `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
    );
    s.write(`${(1).toString(16)}\r\n{\r\n`);
    for (let m = 0; m < 15 && !s.destroyed; m++) {
      if (!s.write(frame))
        await new Promise((resolve) => {
          s.once('drain', resolve);
          s.once('close', resolve);
        });
    }
  }
  await sleep(500);
  const held = await rss(api.url);
  const open40 = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
  for (const s of sockets) s.destroy();
  return `chunked: RSS ${mb(before)} → ${mb(held)} (+${mb(held - before)}) with 40 chunked bodies of 15 MiB sent; ${open40} connections still open`;
}

/** The longest /healthz wait while each large request runs. */
async function stall(api: Api): Promise<string[]> {
  const zeros = (n: number) => '0,'.repeat(n - 1) + '0';
  const cases: Array<[string, () => string]> = [
    [
      'top-level [Float!] variable, 8M elements',
      () =>
        `{"query":"query($p: [Float!]!) { mnist(input: { pixels: $p }) { label } }","variables":{"p":[${zeros(8_000_000)}]}}`,
    ],
    [
      'pixels inside an input object, 8M elements',
      () =>
        `{"query":"query($i: MnistInput!) { mnist(input: $i) { label } }","variables":{"i":{"pixels":[${zeros(8_000_000)}]}}}`,
    ],
    [
      'irisBatch, 5M {} rows',
      () =>
        `{"query":"query($r: [IrisInput!]!) { irisBatch(inputs: $r) { label } }","variables":{"r":[${'{},'.repeat(4_999_999)}{}]}}`,
    ],
    [
      'infer, shape [750000, 4] as values',
      () =>
        `{"query":"query($v: [Float!]) { infer(model: \\"iris\\", inputs: [{ name: \\"features\\", shape: [750000, 4], values: $v }]) { version } }","variables":{"v":[${zeros(3_000_000)}]}}`,
    ],
    [
      'mnistBatch, 2,500 rows of 784 values',
      () =>
        JSON.stringify({
          query: 'query($r: [MnistInput!]!) { mnistBatch(inputs: $r) { label } }',
          variables: { r: Array.from({ length: 2500 }, () => ({ pixels: new Array<number>(784).fill(0.5) })) },
        }),
    ],
    [
      'mnistBatch, 10,000 rows of zeros (the row limit)',
      () =>
        `{"query":"query($r: [MnistInput!]!) { mnistBatch(inputs: $r) { label } }","variables":{"r":[${Array.from({ length: 10_000 }, () => `{"pixels":[${zeros(784)}]}`).join(',')}]}}`,
    ],
    [
      'infer, mnist [10000, 784] as a TensorInput variable (the row limit)',
      () =>
        `{"query":"query($t: [TensorInput!]!) { infer(model: \\"mnist\\", inputs: $t) { version } }","variables":{"t":[{"name":"pixels","shape":[10000,784],"values":[${zeros(7_840_000)}]}]}}`,
    ],
    [
      'infer, mnist [10000, 784] as a top-level [Float!] variable',
      () =>
        `{"query":"query($v: [Float!]) { infer(model: \\"mnist\\", inputs: [{ name: \\"pixels\\", shape: [10000, 784], values: $v }]) { version } }","variables":{"v":[${zeros(7_840_000)}]}}`,
    ],
    ['a list of 3M strings', () => `{"query":"{ __typename }","variables":{"s":[${'"a",'.repeat(2_999_999)}"a"]}}`],
    ['lists nested 5M deep', () => `{"query":"{ __typename }","variables":{"a":${'['.repeat(5e6)}${']'.repeat(5e6)}}}`],
    [
      'an object of 1M keys',
      () =>
        `{"query":"{ __typename }","variables":{${Array.from({ length: 1_000_000 }, (_, i) => `"k${i}":0`).join(',')}}}`,
    ],
    [
      'mnistBatchCompact, 4,000 rows',
      () =>
        JSON.stringify({
          query: 'query($c: MnistColumns!) { mnistBatchCompact(columns: $c) { label } }',
          variables: { c: { pixels: Buffer.alloc(4000 * 784 * 4).toString('base64') } },
        }),
    ],
  ];
  const lines: string[] = [];
  for (const [name, make] of cases) {
    const body = make();
    const probe = startProbe(api.url);
    await sleep(100);
    await loopDelayMax(api.url);
    const status = await post(api.url, body);
    const held = await loopDelayMax(api.url);
    const longest = await probe.stop();
    lines.push(
      `stall: ${name} (${mb(body.length)}): HTTP ${status}, longest /healthz wait ${longest.toFixed(0)} ms, event-loop delay max ${held.toFixed(0)} ms`,
    );
    await sleep(300);
  }
  return lines;
}

/**
 * Probes /healthz every 5 ms from a process of its own until stopped, and resolves with the longest
 * wait: from this process, the wait would also count this process's own work on the large request's
 * body, and back-to-back probes would take a core of the two the server needs.
 */
function startProbe(url: string): { stop(): Promise<number> } {
  const script = `let longest = 0, running = true;
process.stdin.on('end', () => (running = false)).resume();
while (running) {
  const started = performance.now();
  await fetch(${JSON.stringify(url)} + '/healthz').then((r) => r.arrayBuffer());
  longest = Math.max(longest, performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
console.log(longest);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return Number(output.trim());
    },
  };
}

const mb = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

function summary(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n}× ${s}`).join(', ');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { only: { type: 'string', default: 'idle,chunked,stall' }, seconds: { type: 'string', default: '15' } },
    allowPositionals: true,
  });
  const env = Object.fromEntries(
    positionals.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const only = new Set(values.only.split(','));
  // Each attack on a fresh server, so one's leftovers do not colour the next.
  for (const name of ['idle', 'chunked', 'stall'].filter((n) => only.has(n))) {
    const api = await startApi(env);
    try {
      if (name === 'idle') console.log(await idle(api, Number(values.seconds)));
      if (name === 'chunked') console.log(await chunked(api));
      if (name === 'stall') for (const line of await stall(api)) console.log(line);
    } finally {
      await api.stop();
    }
  }
}

await main();
