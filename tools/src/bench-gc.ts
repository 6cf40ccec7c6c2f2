/**
 * The API's young-generation GC under the simplest load: `{ __typename }` from a few closed-loop
 * clients, with V8's `--trace-gc-nvp`. For each server setting given, one line: requests/s, p50 and
 * p99, scavenges, and the median scavenge's pause and promoted bytes. A request's objects should
 * die young; bytes promoted at every scavenge mean something keeps them alive past their request,
 * and the scavenge pauses that follow are the tail of every request that meets one.
 *
 *   npm run bench:gc -- [--clients 4] [--seconds 5] [--no-build] [SETTING ...]
 *   e.g. npm run bench:gc -- FAST_PATH=true FAST_PATH=false
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarize } from './bench-stats.js';
import { buildApi, settingsEnv, startBenchServer } from './bench-server.js';
import { TYPENAME_BODY } from './bench-workload.js';
import { startLoadProcess } from './load-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One `--trace-gc-nvp` line's `key=value` number. */
function field(line: string, key: string): number {
  return Number(new RegExp(`(?:^|[ ,])${key}=([\\d.]+)`).exec(line)?.[1]);
}

async function measure(setting: string, clients: number, seconds: number): Promise<string> {
  const env = settingsEnv([setting]);
  let trace = '';
  const server = await startBenchServer({
    root: ROOT,
    model: 'mnist',
    env,
    nodeArgs: ['--trace-gc-nvp'],
    onStdout: (chunk) => (trace += chunk.toString('utf8')),
  });
  const load = startLoadProcess();
  let from = 0;
  try {
    const outcome = await load.run(
      {
        url: `${server.url}/graphql`,
        bodies: [TYPENAME_BODY],
        mode: { kind: 'closed', clients },
        warmupMs: 2000,
        durationMs: seconds * 1000,
        timeoutMs: 10_000,
      },
      (phase) => {
        if (phase === 'start') from = trace.length;
      },
    );
    const scavenges = trace
      .slice(from)
      .split('\n')
      .filter((line) => / gc=s /.test(line));
    const { p50, p99 } = summarize(outcome.latencies);
    const pause = summarize(scavenges.map((line) => field(line, 'pause'))).p50;
    const promotedKiB = summarize(scavenges.map((line) => field(line, 'promoted'))).p50 / 1024;
    return `${(setting || 'defaults').padEnd(24)} ${String(Math.round(outcome.latencies.length / seconds)).padStart(6)} requests/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  ${scavenges.length} scavenges, median pause ${pause.toFixed(1)} ms, promoted ${promotedKiB.toFixed(0)} KiB`;
  } finally {
    await load.close();
    await server.stop();
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    'no-build': { type: 'boolean', default: false },
  },
});
if (!values['no-build']) buildApi(ROOT);
console.log(
  `{ __typename } from ${values.clients} closed-loop clients, ${values.seconds} s measured after 2 s of warm-up, V8 --trace-gc-nvp`,
);
for (const setting of positionals.length > 0 ? positionals : [''])
  console.log(await measure(setting, Number(values.clients), Number(values.seconds)));
