import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelRepository, type LoadedModel, type Logger, type ModelConfig } from '@mserve/inference';
import { writeCeilingModels } from './ceiling-model.js';
import { mnistDigits } from './score-sample-data.js';

/**
 * `npm run score:bench -- [--rows 50000] [--batch-size n] [--concurrency 4] [--threads n] [--parse-threads n] [--json out.json]`
 *
 * Where the scoring CLI's time goes, side by side in one run on a generated mnist JSONL of real digits:
 * (a) the whole CLI on the ceiling twin of mnist (same contract, next to no compute): its own reading,
 *     parsing, mapping, packing and writing;
 * (b) the library alone: `predict` on pre-built items, same batch size and concurrency, no file;
 * (c) the whole CLI on mnist.
 * Each CLI run is its own process (rows/s over its scoring phase: model load and parse-thread start
 * excluded), driven from outside as a user runs it, so nothing here imports the app.
 * The CLI can at best match the slower of (a) and (b); the ratio c / min(a, b) says how close it gets.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI_MAIN = join(ROOT, 'apps/score/src/main.ts');
/** The model's own logs would interleave with the figures. */
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Measure {
  rows: number;
  seconds: number;
  rowsPerSec: number;
}

/** How the CLI runs: the same for (a), (b) and (c). */
interface Setup {
  batchSize: number;
  concurrency: number;
  threads: number;
  parseThreads: number | undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      'batch-size': { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'string' },
      'models-dir': { type: 'string' },
      threads: { type: 'string' },
      'parse-threads': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const rows = Number(values.rows ?? 50_000);
  const modelsDir = values['models-dir'] ?? join(ROOT, 'models');
  const ceiling = writeCeilingModels(modelsDir, 'mnist');
  const dir = await mkdtemp(join(tmpdir(), 'score-bench-'));
  try {
    const digits = mnistDigits(1000).map((d) => d.pixels);
    const input = join(dir, 'mnist.jsonl');
    const bytes = await writeMnistJsonl(input, digits, rows);

    const requested = values.threads === undefined ? undefined : Number(values.threads);
    const repository = await ModelRepository.open({
      root: modelsDir,
      only: ['mnist'],
      logger: quiet,
      overrides: (_name, config) => ({ ...config, threadsPerInstance: scoringThreads(config, requested) }),
    });
    await repository.ready();
    const model = repository.get('mnist');
    const setup: Setup = {
      batchSize: Number(values['batch-size'] ?? model.config.batching.maxBatchSize),
      concurrency: Number(values.concurrency ?? 4),
      threads: model.config.threadsPerInstance ?? 1,
      parseThreads: values['parse-threads'] === undefined ? undefined : Number(values['parse-threads']),
    };
    const library = await measureLibrary(model, digits, rows, setup);
    await repository.close();
    const free = await measureCli(input, join(dir, 'free.jsonl'), ceiling.root, setup);
    const cli = await measureCli(input, join(dir, 'out.jsonl'), modelsDir, setup);

    const ratio = cli.rowsPerSec / Math.min(free.rowsPerSec, library.rowsPerSec);
    printTable(rows, bytes, setup, [
      ['(a) CLI, near-free model', free],
      ['(b) library predict', library],
      ['(c) CLI, mnist', cli],
    ]);
    process.stdout.write(`c / min(a, b) = ${(ratio * 100).toFixed(1)}% (target ≥ 80%)\n`);
    if (values.json) {
      const report = { model: 'mnist', rows, bytes, ...setup, free, library, cli, ratio };
      await writeFile(values.json, JSON.stringify(report, null, 2) + '\n');
    }
  } finally {
    ceiling.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

function usage(): string {
  return [
    'npm run score:bench -- [--rows 50000] [--batch-size n] [--concurrency 4] [--threads n] [--parse-threads n]',
    '                       [--models-dir models] [--json out.json]',
    'Measures the scoring CLI on a generated mnist JSONL: (a) the CLI on a near-free model, (b) the',
    "library's predict alone, (c) the CLI on mnist; prints rows/s of each and c / min(a, b).",
  ].join('\n');
}

/**
 * The CLI's default session threads (`scoringThreads` in apps/score/src/model-loading.ts: leave one
 * core to its main thread), repeated here and passed to every run so (b) and the CLI runs share it.
 */
function scoringThreads(config: ModelConfig, requested: number | undefined): number {
  if (requested !== undefined) return requested;
  const free = Math.max(1, Math.floor((availableParallelism() - 1) / config.instances));
  return Math.min(config.threadsPerInstance ?? free, free);
}

function printTable(rows: number, bytes: number, setup: Setup, stages: Array<[string, Measure]>): void {
  const parse = setup.parseThreads === undefined ? "the CLI's default" : String(setup.parseThreads);
  process.stdout.write(
    `mnist JSONL, ${rows} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB, batch ${setup.batchSize}, concurrency ${setup.concurrency}, session threads ${setup.threads}, parse threads ${parse}\n`,
  );
  const table = [
    ['stage', 'rows', 'seconds', 'rows/s'],
    ...stages.map(([name, m]) => [name, String(m.rows), m.seconds.toFixed(2), String(m.rowsPerSec)]),
  ];
  for (const row of table)
    process.stdout.write(`${row[0].padEnd(26)}${row[1].padStart(8)}${row[2].padStart(10)}${row[3].padStart(10)}\n`);
}

/** `rows` lines `{"id": "d<n>", "pixels": [...]}` cycling through `digits`; returns the file size. */
async function writeMnistJsonl(path: string, digits: number[][], rows: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (let i = 0; i < rows; i++) {
    const line = `{"id":"d${i + 1}","pixels":${JSON.stringify(digits[i % digits.length])}}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/**
 * Items as the CLI's JSONL reader makes them (each vector a Float64Array view of a shared slab), kept
 * in flight `concurrency` calls at a time: the library's part of the CLI's work, and nothing else.
 */
async function measureLibrary(model: LoadedModel, digits: number[][], rows: number, setup: Setup): Promise<Measure> {
  const slab = new Float64Array(digits.length * digits[0].length);
  digits.forEach((digit, i) => slab.set(digit, i * digit.length));
  const vectors = digits.map((digit, i) => slab.subarray(i * digit.length, (i + 1) * digit.length));
  const started = performance.now();
  const inFlight: Array<Promise<unknown>> = [];
  let scored = 0;
  for (let start = 0; start < rows; start += setup.batchSize) {
    const count = Math.min(setup.batchSize, rows - start);
    const items = Array.from({ length: count }, (_, i) => ({ pixels: vectors[(start + i) % vectors.length] }));
    const indices = Array.from({ length: count }, (_, i) => start + i + 1);
    inFlight.push(
      model
        .predict(items, { indices })
        .then((results) => (scored += results.filter((r) => !(r instanceof Error)).length)),
    );
    if (inFlight.length >= setup.concurrency) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return { rows: scored, seconds, rowsPerSec: Math.round(scored / seconds) };
}

/**
 * The CLI as its own process, started the way this script was (same node, loader and conditions),
 * so its heap holds only its own rows; its summary line gives rows/s over the scoring phase.
 */
async function measureCli(input: string, output: string, modelsDir: string, setup: Setup): Promise<Measure> {
  const argv = [
    ...(setup.parseThreads === undefined ? [] : ['--parse-threads', String(setup.parseThreads)]),
    ...['--threads', String(setup.threads), '--model', 'mnist', '--models-dir', modelsDir],
    ...['--input', input, '--output', output, '--quiet'],
    ...['--batch-size', String(setup.batchSize), '--concurrency', String(setup.concurrency)],
  ];
  const child = spawn(process.execPath, [...process.execArgv, CLI_MAIN, ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const summary = log
    .split('\n')
    .filter((line) => line.includes('"summary"'))
    .map((line) => JSON.parse(line) as { scored: number; scoringMs: number })[0];
  if (code !== 0 || !summary) throw new Error(`score exited ${code}: ${log}`);
  const seconds = summary.scoringMs / 1000;
  return { rows: summary.scored, seconds, rowsPerSec: Math.round(summary.scored / seconds) };
}

await main();
