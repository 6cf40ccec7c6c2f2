import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadedModel, Logger } from '@mserve/inference';
import { parseThreadsFor } from './cli-options.js';
import { openModel, scoringThreads } from './model-loading.js';
import { openInput } from './readers.js';
import { RowMapper } from './row-mapper.js';
import { sourceRows } from './row-preparer.js';
import { mnistDigits } from './sample-data.js';

/**
 * `npm run score:bench -- [--rows 50000] [--batch-size 256] [--concurrency 4] [--threads n] [--parse-threads n] [--json out.json]`
 *
 * Where the CLI's time goes, side by side in one run on a generated mnist JSONL of real digits:
 * (a) reading + parsing + mapping the file (the CLI's own reader and row mapper, no model);
 * (b) the library alone: `predict` on pre-built items, same batch size and concurrency, no file;
 * (c) the whole CLI, as its own process, its rows/s over the scoring phase (model load and parse-thread
 *     start excluded), with its default parse threads unless `--parse-threads` says otherwise.
 * The CLI can at best match the slower of (a) and (b); the ratio c / min(a, b) says how close it gets.
 */
/** The model's own logs would interleave with the figures. */
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MODELS_DIR = fileURLToPath(new URL('../../../models', import.meta.url));

interface Measure {
  rows: number;
  seconds: number;
  rowsPerSec: number;
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
    },
  });
  const rows = Number(values.rows ?? 50_000);
  const modelsDir = values['models-dir'] ?? MODELS_DIR;
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const concurrency = Number(values.concurrency ?? 4);
  const dir = await mkdtemp(join(tmpdir(), 'score-bench-'));
  try {
    const digits = mnistDigits(1000).map((d) => d.pixels);
    const input = join(dir, 'mnist.jsonl');
    const bytes = await writeMnistJsonl(input, digits, rows);

    // The same loading path, and so the same session threads, as the CLI.
    const { repository, model } = await openModel({ modelsDir, model: 'mnist', threads }, quiet);
    const batchSize = Number(values['batch-size'] ?? model.config.batching.maxBatchSize);
    const read = await measureRead(input, model);
    const library = await measureLibrary(model, digits, rows, batchSize, concurrency);
    await repository.close();
    const parseThreads = parseThreadsFor(
      {
        inputFormat: 'jsonl',
        parseThreads: values['parse-threads'] === undefined ? undefined : Number(values['parse-threads']),
      },
      bytes,
    );
    const cli = await measureCli(
      input,
      join(dir, 'out.jsonl'),
      modelsDir,
      batchSize,
      concurrency,
      threads,
      parseThreads,
    );

    const ratio = cli.rowsPerSec / Math.min(read.rowsPerSec, library.rowsPerSec);
    const stages: Array<[string, Measure]> = [
      ['(a) read + parse + map', read],
      ['(b) library predict', library],
      ['(c) full CLI', cli],
    ];
    const table = [
      ['stage', 'rows', 'seconds', 'rows/s'],
      ...stages.map(([name, m]) => [name, String(m.rows), m.seconds.toFixed(2), String(m.rowsPerSec)]),
    ];
    process.stdout.write(
      `mnist JSONL, ${rows} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB, batch ${batchSize}, concurrency ${concurrency}, session threads ${scoringThreads(model.config, threads)}, parse threads ${parseThreads}\n`,
    );
    for (const row of table)
      process.stdout.write(`${row[0].padEnd(26)}${row[1].padStart(8)}${row[2].padStart(10)}${row[3].padStart(10)}\n`);
    process.stdout.write(`c / min(a, b) = ${(ratio * 100).toFixed(1)}% (target ≥ 80%)\n`);
    if (values.json) {
      await writeFile(
        values.json,
        JSON.stringify(
          {
            model: 'mnist',
            rows,
            bytes,
            batchSize,
            concurrency,
            threads: scoringThreads(model.config, threads),
            parseThreads,
            read,
            library,
            cli,
            ratio,
          },
          null,
          2,
        ) + '\n',
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

async function measureRead(input: string, model: LoadedModel): Promise<Measure> {
  const mapper = new RowMapper(model.config, { columnMap: new Map(), idColumn: 'id', textValues: false });
  const started = performance.now();
  const source = await openInput(input, 'jsonl', Readable.from([]));
  let count = 0;
  for await (const row of sourceRows(source, mapper)) {
    if (row.malformed === undefined && mapper.map(row.values).field === undefined) count++;
  }
  return measure(count, started);
}

/**
 * Items as the CLI's JSONL reader makes them (each vector a Float64Array view of a shared slab), kept
 * in flight `concurrency` calls at a time: the library's part of the CLI's work, and nothing else.
 */
async function measureLibrary(
  model: LoadedModel,
  digits: number[][],
  rows: number,
  batchSize: number,
  concurrency: number,
): Promise<Measure> {
  const slab = new Float64Array(digits.length * digits[0].length);
  digits.forEach((digit, i) => slab.set(digit, i * digit.length));
  const vectors = digits.map((digit, i) => slab.subarray(i * digit.length, (i + 1) * digit.length));
  const started = performance.now();
  const inFlight: Array<Promise<unknown>> = [];
  let scored = 0;
  for (let start = 0; start < rows; start += batchSize) {
    const count = Math.min(batchSize, rows - start);
    const items = Array.from({ length: count }, (_, i) => ({ pixels: vectors[(start + i) % vectors.length] }));
    const indices = Array.from({ length: count }, (_, i) => start + i + 1);
    inFlight.push(
      model
        .predict(items, { indices })
        .then((results) => (scored += results.filter((r) => !(r instanceof Error)).length)),
    );
    if (inFlight.length >= concurrency) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return measure(scored, started);
}

/**
 * The CLI as its own process, started the way this script was (same node, loader and conditions),
 * so its heap holds only its own rows; its summary line gives rows/s over the scoring phase.
 */
async function measureCli(
  input: string,
  output: string,
  modelsDir: string,
  batchSize: number,
  concurrency: number,
  threads: number | undefined,
  parseThreads: number,
): Promise<Measure> {
  const argv = [
    '--parse-threads',
    String(parseThreads),
    ...(threads === undefined ? [] : ['--threads', String(threads)]),
    '--model',
    'mnist',
    '--models-dir',
    modelsDir,
    '--input',
    input,
    '--output',
    output,
    '--batch-size',
    String(batchSize),
    '--concurrency',
    String(concurrency),
    '--quiet',
  ];
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url)),
      ...argv,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const summary = log
    .split('\n')
    .filter((line) => line.includes('"summary"'))
    .map((line) => JSON.parse(line) as { scored: number; scoringMs: number })[0];
  if (code !== 0 || !summary) throw new Error(`score exited ${code}: ${log}`);
  return {
    rows: summary.scored,
    seconds: summary.scoringMs / 1000,
    rowsPerSec: Math.round(summary.scored / (summary.scoringMs / 1000)),
  };
}

function measure(rows: number, started: number): Measure {
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, rowsPerSec: Math.round(rows / seconds) };
}

await main();
