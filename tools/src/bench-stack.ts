/**
 * Where the single-row tail comes from. The same `{ __typename }` request, at one open-loop rate,
 * against servers that add one layer at a time: `node:http` alone, fastify, fastify + Apollo (a
 * one-field schema, no plugins of ours), and the API itself (built, mnist only, as the load
 * benchmark starts it). They take turns, round after round, so the host's noise falls on all alike;
 * each line gives p50, p99 and their ratio (the target at half the peak is p99 ≤ 3 × p50).
 *
 *   npm run bench:stack -- [--rate 1500] [--rounds 3] [--seconds 5] [--no-build]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarize } from './bench-stats.js';
import { buildApi, freePort, startBenchServer } from './bench-server.js';
import { TYPENAME_BODY } from './bench-workload.js';
import { startLoadProcess } from './load-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPLY = JSON.stringify({ data: { __typename: 'Query' } });
type Layer = 'node:http' | 'fastify' | 'fastify+apollo';
const LAYERS: Layer[] = ['node:http', 'fastify', 'fastify+apollo'];

/** One bare server of `layer` on `port`, in this process (the child side of `startLayer`). */
async function serve(layer: Layer, port: number): Promise<void> {
  if (layer === 'node:http') {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        response.setHeader('content-type', 'application/json');
        response.end(REPLY);
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return;
  }
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (layer === 'fastify') {
    app.post('/graphql', async (_request, reply) => reply.header('content-type', 'application/json').send(REPLY));
  } else {
    const { ApolloServer } = await import('@apollo/server');
    const { ApolloServerPluginLandingPageDisabled } = await import('@apollo/server/plugin/disabled');
    const { fastifyApolloDrainPlugin, fastifyApolloHandler } = await import('@as-integrations/fastify');
    const apollo = new ApolloServer({
      typeDefs: 'type Query { x: Int }',
      resolvers: { Query: { x: () => 1 } },
      plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled()],
    });
    await apollo.start();
    app.post('/graphql', fastifyApolloHandler(apollo));
  }
  await app.listen({ port, host: '127.0.0.1' });
}

/** Starts this file as `--serve <layer> <port>` (same node, same loader) and waits for its port. */
async function startLayer(layer: Layer): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', layer, String(port)],
    { stdio: 'inherit' },
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let tries = 0; ; tries++) {
    try {
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: TYPENAME_BODY });
      break;
    } catch (error) {
      if (tries > 200 || child.exitCode !== null)
        throw new Error(`the ${layer} server did not start`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { url, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '1500' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '5' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const rate = Number(values.rate);
  if (!values['no-build']) buildApi(ROOT);
  const bare = await Promise.all(
    LAYERS.map(async (layer) => ({ name: layer as string, ...(await startLayer(layer)) })),
  );
  const api = await startBenchServer({ root: ROOT, model: 'mnist' });
  const servers = [...bare, { name: 'API', url: `${api.url}/graphql` }];
  const load = startLoadProcess();
  try {
    console.log(
      `{ __typename } at ${rate} requests/s, open loop (Poisson), ${values.seconds} s measured after 2 s of warm-up per turn`,
    );
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const server of servers) {
        const outcome = await load.run({
          url: server.url,
          bodies: [TYPENAME_BODY],
          mode: { kind: 'open', rate, seed: round + 1, maxInFlight: 1024 },
          warmupMs: 2000,
          durationMs: Number(values.seconds) * 1000,
          timeoutMs: 10_000,
        });
        const { p50, p99 } = summarize(outcome.latencies);
        console.log(
          `round ${round + 1}  ${server.name.padEnd(15)} ${String(outcome.latencies.length).padStart(6)} ok ${String(outcome.failedLatencies.length).padStart(4)} failed  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  p99/p50 ${(p99 / p50).toFixed(1)}`,
        );
      }
    }
  } finally {
    await load.close();
    for (const server of bare) server.stop();
    await api.stop();
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as Layer, Number(process.argv[4]));
} else {
  await main();
}
