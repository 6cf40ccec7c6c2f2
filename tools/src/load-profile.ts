/** The load benchmark's `--profile DIR` mode: CPU profiles of each server scenario under load. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '@mserve/inference';
import { measure, scenarioEnv } from './bench-measure.js';
import { startBenchServer } from './bench-server.js';
import { bodiesFor } from './bench-workload.js';
import { renderProfile, summarizeProfile, type CpuProfile } from './cpu-profile.js';
import { timingOf, type LoadSettings } from './load-bench-settings.js';
import { startLoadProcess } from './load-process.js';

/** `--profile DIR`: each server scenario under each traffic's closed-loop peak with `--cpu-prof`; summaries in DIR. */
export async function profile(root: string, settings: LoadSettings, config: ModelConfig, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const load = startLoadProcess();
  const summaries: string[] = [];
  const envs = scenarioEnv(root, settings.model);
  const runs = settings.scenarios
    .filter((s) => envs.of(s))
    .flatMap((scenario) => settings.traffic.map((traffic) => ({ scenario, traffic })));
  try {
    for (const { scenario, traffic } of runs) {
      const profDir = join(dir, `${scenario}-${traffic}`);
      mkdirSync(profDir, { recursive: true });
      const env = { ...envs.of(scenario), ...settings.serverEnv };
      const server = await startBenchServer({
        root,
        model: settings.model,
        env,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
      });
      try {
        const bodies = bodiesFor(settings.model, config, traffic, { bulkRows: settings.bulkRows });
        await measure(load, server, {
          ...timingOf(settings),
          traffic,
          scenario,
          bodies,
          mode: { kind: 'closed', clients: traffic === 'single' ? settings.clients : settings.bulkClients },
        });
      } finally {
        await server.stop();
      }
      // Node writes one profile per thread when the server exits: the event loop's and each session worker's.
      for (const file of readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'))) {
        const summary = summarizeProfile(JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile);
        summaries.push(renderProfile(`${scenario}, ${traffic}: ${file}`, summary));
      }
    }
  } finally {
    await load.close();
    envs.dispose();
  }
  const text = [
    `Profiles of the server (${JSON.stringify(settings.serverEnv)}), closed-loop peak per scenario and traffic.`,
    '',
    ...summaries,
  ].join('\n');
  writeFileSync(join(dir, 'summary.md'), text);
  console.log(text);
}
