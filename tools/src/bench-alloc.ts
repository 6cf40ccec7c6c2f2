/**
 * What the API allocates per request, by package and function: V8's sampling heap profiler in the
 * server, with the objects the GC has already collected included, over a window of single-row
 * `mnist` load from closed-loop clients. A request's allocations are what the young generation
 * scavenges: fewer bytes per request, fewer scavenge pauses in every request's tail.
 *
 *   npm run bench:alloc -- [--clients 64] [--seconds 4] [--no-build] [--out tmp/alloc.md] [SETTING ...]
 *   e.g. npm run bench:alloc -- FAST_PATH=true FAST_PATH=false
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseModelConfig } from '@mserve/inference';
import { buildApi, settingsEnv, startBenchServer } from './bench-server.js';
import { bodiesFor } from './bench-workload.js';
import { renderAllocations, summarizeAllocations, type SamplingHeapProfile } from './heap-profile.js';
import { startLoadProcess } from './load-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Loaded into the server with `--import` (a data: URL, so nothing is added to the API): SIGUSR2
 * starts sampling on the main thread, a second SIGUSR2 writes the profile to ALLOC_PROFILE.
 */
const SAMPLER = `
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
let sampling = false;
process.on('SIGUSR2', async () => {
  if (!sampling) {
    sampling = true;
    await session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return;
  }
  const { profile } = await session.post('HeapProfiler.stopSampling');
  writeFileSync(process.env.ALLOC_PROFILE, JSON.stringify(profile));
});
`;

async function measure(
  setting: string,
  bodies: string[],
  clients: number,
  seconds: number,
  dir: string,
): Promise<string> {
  const env = { ALLOC_PROFILE: join(dir, 'profile.json'), ...settingsEnv([setting]) };
  rmSync(env.ALLOC_PROFILE, { force: true });
  const server = await startBenchServer({
    root: ROOT,
    model: 'mnist',
    env,
    nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(SAMPLER)}`],
  });
  const load = startLoadProcess();
  try {
    const outcome = await load.run(
      {
        url: `${server.url}/graphql`,
        bodies,
        mode: { kind: 'closed', clients },
        warmupMs: 2000,
        durationMs: seconds * 1000,
        timeoutMs: 10_000,
      },
      () => {
        server.process.kill('SIGUSR2');
      },
    );
    for (let i = 0; i < 100 && !existsSync(env.ALLOC_PROFILE); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    if (!existsSync(env.ALLOC_PROFILE)) throw new Error('the server wrote no allocation profile');
    const profile = JSON.parse(readFileSync(env.ALLOC_PROFILE, 'utf8')) as SamplingHeapProfile;
    const title = `${setting || 'defaults'}: ${Math.round(outcome.latencies.length / seconds)} requests/s`;
    return renderAllocations(title, summarizeAllocations(profile), outcome.latencies.length);
  } finally {
    await load.close();
    await server.stop();
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '4' },
    'no-build': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
if (!values['no-build']) buildApi(ROOT);
const dir = mkdtempSync(join(tmpdir(), 'bench-alloc-'));
try {
  const sections = [
    `Single-row mnist from ${values.clients} closed-loop clients, ${values.seconds} s sampled after 2 s of warm-up; bytes allocated on the server's main thread, collected ones included.`,
    '',
  ];
  const config = parseModelConfig(JSON.parse(readFileSync(join(ROOT, 'models', 'mnist', 'config.json'), 'utf8')));
  const bodies = bodiesFor('mnist', config, 'single', { bulkRows: 256 }).bodies;
  for (const setting of positionals.length > 0 ? positionals : [''])
    sections.push(await measure(setting, bodies, Number(values.clients), Number(values.seconds), dir));
  const text = sections.join('\n');
  console.log(text);
  if (values.out) writeFileSync(values.out, text);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
