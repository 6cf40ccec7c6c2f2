/** The load benchmark's `--soak S` mode: memory over a long run at the single-row peak. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ModelConfig } from '@mserve/inference';
import type { RunResult, SoakResult } from './bench-report.js';
import { startBenchServer } from './bench-server.js';
import { summarize } from './bench-stats.js';
import { evaluateTargets, renderTargets } from './bench-targets.js';
import { bodiesFor } from './bench-workload.js';
import type { LoadSettings } from './load-bench-settings.js';
import { startLoadProcess } from './load-process.js';
import { replaceSection } from './report-sections.js';

/** `--soak S`: single-row closed-loop load on the coalesced server for S seconds after 30 s of warm-up; RSS every 5 s. */
export async function soak(root: string, settings: LoadSettings, config: ModelConfig, seconds: number): Promise<void> {
  const warmupSeconds = settings.smoke ? 2 : 30;
  const server = await startBenchServer({ root, model: settings.model, env: settings.serverEnv });
  const load = startLoadProcess();
  const rss: Array<[number, number]> = [];
  const t0 = performance.now();
  const sample = async () => rss.push([(performance.now() - t0) / 1000, (await server.read()).rssBytes / 2 ** 20]);
  const timer = setInterval(() => void sample(), 5000);
  try {
    const bodies = bodiesFor(settings.model, config, 'single', { bulkRows: settings.bulkRows });
    let afterWarmup = 0;
    const outcome = await load.run(
      {
        url: `${server.url}/graphql`,
        bodies: bodies.bodies,
        mode: { kind: 'closed', clients: settings.clients },
        warmupMs: warmupSeconds * 1000,
        durationMs: seconds * 1000,
        timeoutMs: 10_000,
      },
      async (phase) => {
        await sample();
        if (phase === 'start') afterWarmup = rss[rss.length - 1][1];
      },
    );
    clearInterval(timer);
    const result: SoakResult = {
      seconds,
      warmupSeconds,
      rss,
      rssAfterWarmupMiB: afterWarmup,
      rssEndMiB: rss[rss.length - 1][1],
      predictionsPerSecond: outcome.ok / seconds,
      latency: summarize(outcome.latencies),
      failed: outcome.failed,
    };
    mkdirSync(dirname(settings.out), { recursive: true });
    writeFileSync(`${settings.out}.soak.json`, `${JSON.stringify(result, null, 2)}\n`);
    const text = [
      `Command: \`npm run bench:load -- ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString().slice(0, 10)}.`,
      '',
      `${seconds} s of single-row load from ${settings.clients} closed-loop clients after ${warmupSeconds} s of warm-up: ${result.predictionsPerSecond.toFixed(0)} predictions/s, p50 ${result.latency.p50.toFixed(2)} ms, p99 ${result.latency.p99.toFixed(2)} ms, ${result.failed} failed.`,
      `RSS after warm-up ${afterWarmup.toFixed(1)} MiB, at the end ${result.rssEndMiB.toFixed(1)} MiB (${(result.rssEndMiB / afterWarmup).toFixed(3)} ×; target ≤ 1.1 ×).`,
      '',
      `RSS every 5 s (MiB): ${rss.map(([, mib]) => mib.toFixed(0)).join(' ')}`,
    ].join('\n');
    replaceSection(`${settings.out}.md`, 'load-bench-soak', text);
    console.log(text);
    // The targets of the last full run, now with this soak's row.
    if (existsSync(`${settings.out}.json`)) {
      const last = JSON.parse(readFileSync(`${settings.out}.json`, 'utf8')) as { results: RunResult[] };
      replaceSection(`${settings.out}.md`, 'load-bench-targets', renderTargets(evaluateTargets(last.results, result)), {
        onlyIfPresent: true,
      });
    }
  } finally {
    clearInterval(timer);
    await load.close();
    await server.stop();
  }
}
