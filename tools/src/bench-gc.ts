/**
 * The API's young-generation GC under the simplest load: `{ __typename }` from a few closed-loop
 * clients, with V8's `--trace-gc-nvp`. For each server setting given, one line: requests/s, p50 and
 * p99, scavenges, and the median scavenge's pause and promoted bytes. A request's objects should
 * die young; bytes promoted at every scavenge mean something keeps them alive past their request,
 * and the scavenge pauses that follow are the tail of every request that meets one.
 *
 *   npm run bench:gc -- [--clients 4] [--seconds 5] [--no-build] [SETTING ...]
 *   e.g. npm run bench:gc -- FAST_COERCION=true FAST_COERCION=false
 */
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarize } from './bench-report.js';
import { freePort } from './bench-server.js';
import { TYPENAME_BODY } from './bench-workload.js';
import { startLoadProcess } from './load-generator.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** One `--trace-gc-nvp` line's `key=value` number. */
function field(line: string, key: string): number {
  return Number(new RegExp(`(?:^|[ ,])${key}=([\\d.]+)`).exec(line)?.[1]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}

async function measure(setting: string, clients: number, seconds: number): Promise<string> {
  const port = await freePort();
  const env: Record<string, string> = { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MODELS: 'mnist', NODE_ENV: 'production', PLAYGROUND: 'false' };
  if (setting) {
    const [key, ...value] = setting.split('=');
    env[key] = value.join('=');
  }
  const server = spawn(process.execPath, ['--trace-gc-nvp', join(ROOT, 'apps/api/dist/main.js')], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let trace = '';
  server.stdout.on('data', (chunk: Buffer) => (trace += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200) break;
    if (tries > 600 || server.exitCode !== null) throw new Error(`the API did not start with ${setting || 'its defaults'}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const load = startLoadProcess();
  let from = 0;
  try {
    const outcome = await load.run({ url: `${url}/graphql`, bodies: [TYPENAME_BODY], mode: { kind: 'closed', clients }, warmupMs: 2000, durationMs: seconds * 1000, timeoutMs: 10_000 }, (phase) => {
      if (phase === 'start') from = trace.length;
    });
    const scavenges = trace.slice(from).split('\n').filter((line) => / gc=s /.test(line));
    const { p50, p99 } = summarize(outcome.latencies);
    const pause = median(scavenges.map((line) => field(line, 'pause')));
    const promotedKiB = median(scavenges.map((line) => field(line, 'promoted'))) / 1024;
    return `${(setting || 'defaults').padEnd(24)} ${String(Math.round(outcome.latencies.length / seconds)).padStart(6)} requests/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  ${scavenges.length} scavenges, median pause ${pause.toFixed(1)} ms, promoted ${promotedKiB.toFixed(0)} KiB`;
  } finally {
    await load.close();
    server.kill();
  }
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { clients: { type: 'string', default: '4' }, seconds: { type: 'string', default: '5' }, 'no-build': { type: 'boolean', default: false } } });
if (!values['no-build']) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
console.log(`{ __typename } from ${values.clients} closed-loop clients, ${values.seconds} s measured after 2 s of warm-up, V8 --trace-gc-nvp`);
for (const setting of positionals.length > 0 ? positionals : ['']) console.log(await measure(setting, Number(values.clients), Number(values.seconds)));
