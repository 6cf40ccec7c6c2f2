import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Prediction } from '@mserve/inference';
import { run } from '../cli.js';

/** What one in-process run of the CLI printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON lines of stderr (progress, notes, errors, summary). */
  logs: Array<Record<string, unknown>>;
}

/** Runs `score` in this process with `argv`, `stdin` as its input stream, stderr not a TTY. */
export async function runCli(
  argv: string[],
  options: { stdin?: string; cwd?: string; signal?: AbortSignal } = {},
): Promise<CliResult> {
  const stdout = collect();
  const stderr = collect();
  const code = await run(argv, {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
  });
  const err = stderr.text();
  const logs = err
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stdout: stdout.text(), stderr: err, logs };
}

/** The summary line of a run. */
export function summaryOf(result: CliResult): Record<string, unknown> {
  const summary = result.logs.find((log) => log.msg === 'summary');
  if (!summary) throw new Error(`no summary line in: ${result.stderr}`);
  return summary;
}

/** The non-empty lines of a JSONL text, parsed. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function readJsonl(path: string): Promise<Array<Record<string, unknown>>> {
  return jsonLines(await readFile(path, 'utf8'));
}

/** The repository's models and the committed examples of `examples/score/`. */
export const MODELS = fileURLToPath(new URL('../../../../models', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../../../examples/score', import.meta.url));

/** The output fields of a prediction, as the JSONL writer prints them. */
export const expected = (p: Prediction) => ({
  label: p.label,
  classIndex: p.classIndex,
  confidence: p.confidence,
  probabilities: p.probabilities,
});

/** A fresh temp folder for one test file; `cleanup` removes it. */
export async function tempDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `score-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
