import { availableParallelism } from 'node:os';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes.js';

export type InputFormat = 'csv' | 'jsonl' | 'parquet';
export type OutputFormat = 'jsonl' | 'csv';
export type OnError = 'fail' | 'skip';

/** Every setting of one `score` run, checked and with defaults filled (paths absolute, `-` kept). */
export interface ScoreOptions {
  model: string;
  /** Undefined: the newest version. */
  version?: number;
  modelsDir: string;
  /** A file path, or `-` for stdin. */
  input: string;
  inputFormat: InputFormat;
  /** A file path, or `-` for stdout. */
  output: string;
  outputFormat: OutputFormat;
  idColumn: string;
  /** Input column → contract field, from `--map`. Columns not named here map to the field of the same name. */
  columnMap: ReadonlyMap<string, string>;
  /** Rows per predict call; undefined: the model's `batching.maxBatchSize`. */
  batchSize?: number;
  /** Predict calls in flight at once. */
  concurrency: number;
  /** onnxruntime intra-op threads per session; undefined: the model's, capped to leave the main thread a core. */
  threads?: number;
  /** Threads that parse a JSONL input (0: the main thread does); undefined: see `parseThreadsFor`. */
  parseThreads?: number;
  onError: OnError;
  /** Where rejected rows go under `--on-error skip`; undefined under `fail`. */
  rejects?: string;
  quiet: boolean;
  progressIntervalMs: number;
}

/** What the command line asks for: the help text, or a run. */
export type CliRequest = { kind: 'help' } | { kind: 'score'; options: ScoreOptions };

const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../../models', import.meta.url));
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_PROGRESS_INTERVAL_MS = 2000;
/** Default parse threads at most, and the input size from which they pay for their start (~0.3 s). */
export const MAX_PARSE_THREADS = 4;
export const PARSE_THREADS_FROM_BYTES = 2 ** 20;

const INPUT_EXTENSIONS: Record<string, InputFormat> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
};
const OUTPUT_EXTENSIONS: Record<string, OutputFormat> = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** `--help`: every option with its default. Keep in step with `parseCliOptions` and the README. */
export const HELP_TEXT = `Usage: npm run score -- --model <name> --input <file|-> [--output <file|->] [options]

Scores every row of a CSV, JSONL or Parquet file with a model of the repository, offline
(no server), streaming: memory stays flat whatever the file size, output order = input order.

Input and output
  -m, --model <name>         model to run (required), e.g. iris, mnist
      --version <n>          model version (default: the newest)
      --models-dir <dir>     model repository (default: ${DEFAULT_MODELS_DIR})
  -i, --input <file|->       input file, - for stdin (required)
      --format <fmt>         input format: csv | jsonl | parquet (default: from the extension
                             .csv, .jsonl/.ndjson, .parquet; required for stdin; parquet needs a file)
  -o, --output <file|->      output file, - for stdout (default: -)
      --output-format <fmt>  jsonl | csv (default: csv for a .csv output, else jsonl)

Columns
      --id-column <name>     input column copied to the output as "id" (default: id); rows of an
                             input without it are named by their 1-based line (CSV, JSONL) or row
                             number (Parquet) as "line"
      --map <col=field,...>  input column → contract field, e.g. --map petal_w=petalWidth
                             (repeatable); other columns map to the field of the same name
                             A vector field (mnist's pixels) comes from one column holding a JSON
                             array, or from numbered columns pixels_0 … pixels_783 (or pixels0 …).
                             Columns that are neither a field nor the id column are ignored.

Bad rows
      --on-error <mode>      fail: stop at the first bad row, exit 2, keep no output (default)
                             skip: write each bad row to the rejects file and go on
      --rejects <file>       rejects file under skip, JSON lines {line, id?, field, code, reason}
                             (default: <output>.rejects.jsonl; required when the output is -)

Throughput
      --batch-size <n>       rows per predict call (default: the model's batching.maxBatchSize)
      --concurrency <n>      predict calls in flight while the next rows are parsed (default: ${DEFAULT_CONCURRENCY})
      --threads <n>          onnxruntime threads per model instance (default: the model's
                             threadsPerInstance, capped to leave one core for parsing)
      --parse-threads <n>    JSONL only: threads that parse, map and pack rows while the main
                             thread reads and writes; 0 parses on the main thread (default: one
                             per core but one, 1 to ${MAX_PARSE_THREADS}, for stdin or a file of 1 MiB or more; else 0)

Progress
  -q, --quiet                no progress (the summary line is still written)
      --progress-interval <ms>  JSON progress line period when stderr is not a terminal (default: ${DEFAULT_PROGRESS_INTERVAL_MS})
  -h, --help                 this text

Output rows: {"id"|"line", "label", "classIndex", "confidence", "probabilities": [...]} in JSONL;
in CSV the columns id|line, label, classIndex, confidence, then p_<label> for each class.
Output goes to <output>.partial and is renamed to <output> only when the run succeeds.

Exit codes: 0 success; 1 usage or config error; 2 bad row under --on-error fail;
3 I/O or internal error; 129 SIGHUP or the launching process exited;
130 SIGINT; 143 SIGTERM (partial output deleted, nothing published).`;

/**
 * Reads the command line. Throws a UsageError naming the flag on anything it cannot use; paths are
 * resolved against `cwd`. Checks that need the model (fields named in `--map`) happen later.
 */
export function parseCliOptions(argv: readonly string[], cwd: string): CliRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string', short: 'm' },
        version: { type: 'string' },
        'models-dir': { type: 'string' },
        input: { type: 'string', short: 'i' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'output-format': { type: 'string' },
        'id-column': { type: 'string' },
        map: { type: 'string', multiple: true },
        'on-error': { type: 'string' },
        rejects: { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        threads: { type: 'string' },
        'parse-threads': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        'progress-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (!v.model) throw new UsageError('--model is required, e.g. --model iris');
  if (!v.input) throw new UsageError('--input is required: a CSV, JSONL or Parquet file, or - for stdin');

  const input = v.input === '-' ? '-' : resolve(cwd, v.input);
  const output = v.output === undefined || v.output === '-' ? '-' : resolve(cwd, v.output);
  if (input !== '-' && input === output) throw new UsageError('--output must differ from --input');
  const inputFormat = inputFormatOf(v.format, input);
  const onError = oneOf(v['on-error'] ?? 'fail', ['fail', 'skip'] as const, '--on-error');
  return {
    kind: 'score',
    options: {
      model: v.model,
      version: v.version === undefined ? undefined : integer(v.version, '--version', 1),
      modelsDir: resolve(cwd, v['models-dir'] ?? DEFAULT_MODELS_DIR),
      input,
      inputFormat,
      output,
      outputFormat: outputFormatOf(v['output-format'], output),
      idColumn: v['id-column'] ?? 'id',
      columnMap: parseColumnMap(v.map ?? []),
      batchSize: v['batch-size'] === undefined ? undefined : integer(v['batch-size'], '--batch-size', 1),
      concurrency: v.concurrency === undefined ? DEFAULT_CONCURRENCY : integer(v.concurrency, '--concurrency', 1),
      threads: v.threads === undefined ? undefined : integer(v.threads, '--threads', 1),
      parseThreads: v['parse-threads'] === undefined ? undefined : integer(v['parse-threads'], '--parse-threads', 0),
      onError,
      rejects: onError === 'skip' ? rejectsPath(v.rejects, output, cwd) : undefined,
      quiet: v.quiet ?? false,
      progressIntervalMs:
        v['progress-interval'] === undefined
          ? DEFAULT_PROGRESS_INTERVAL_MS
          : integer(v['progress-interval'], '--progress-interval', 10),
    },
  };
}

function inputFormatOf(flag: string | undefined, input: string): InputFormat {
  if (flag !== undefined) {
    const format = oneOf(flag, ['csv', 'jsonl', 'parquet'] as const, '--format');
    if (format === 'parquet' && input === '-')
      throw new UsageError(
        '--format parquet needs a file: Parquet is read by row group from its footer, which stdin cannot seek to',
      );
    return format;
  }
  if (input === '-') throw new UsageError('--format is required when the input is - (stdin): csv or jsonl');
  const format = INPUT_EXTENSIONS[extname(input).toLowerCase()];
  if (!format)
    throw new UsageError(
      `cannot tell the format of ${input} from its extension: name it .csv, .jsonl or .parquet, or pass --format`,
    );
  return format;
}

function outputFormatOf(flag: string | undefined, output: string): OutputFormat {
  if (flag !== undefined) return oneOf(flag, ['jsonl', 'csv'] as const, '--output-format');
  return output === '-' ? 'jsonl' : (OUTPUT_EXTENSIONS[extname(output).toLowerCase()] ?? 'jsonl');
}

function rejectsPath(flag: string | undefined, output: string, cwd: string): string {
  if (flag !== undefined) return resolve(cwd, flag);
  if (output === '-')
    throw new UsageError('--rejects <file> is required with --on-error skip when the output is - (stdout)');
  return `${output}.rejects.jsonl`;
}

/** `a=b,c=d` (flag repeatable) → column → field. */
function parseColumnMap(flags: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  const fields = new Set<string>();
  for (const pair of flags.flatMap((flag) => flag.split(','))) {
    const match = /^\s*([^=]+?)\s*=\s*([^=]+?)\s*$/.exec(pair);
    if (!match) throw new UsageError(`--map takes column=field pairs separated by commas, got "${pair}"`);
    const [, column, field] = match;
    if (map.has(column)) throw new UsageError(`--map names column "${column}" twice`);
    if (fields.has(field)) throw new UsageError(`--map maps two columns to field "${field}"`);
    map.set(column, field);
    fields.add(field);
  }
  return map;
}

function integer(raw: string, flag: string, min: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min)
    throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function oneOf<T extends string>(raw: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/**
 * Parse threads for a run: `--parse-threads` if given; else, for JSONL from stdin or a file of at
 * least 1 MiB, one per core but the main thread's, at least 1 and at most MAX_PARSE_THREADS
 * (parsing wide rows costs about what the model costs, see parse-pool.ts; on 2 cores, 1 parse thread
 * measured 83–89k rows/s against 72–75k with 2 and 69–73k with none); else none. CSV and Parquet
 * are parsed on the main thread (a CSV record may span lines, so the file cannot be cut at
 * newlines; Parquet is decoded by column pages).
 */
export function parseThreadsFor(
  options: Pick<ScoreOptions, 'inputFormat' | 'parseThreads'>,
  inputBytes: number | undefined,
  cores = availableParallelism(),
): number {
  if (options.inputFormat !== 'jsonl') return 0;
  if (options.parseThreads !== undefined) return options.parseThreads;
  return inputBytes === undefined || inputBytes >= PARSE_THREADS_FROM_BYTES
    ? Math.max(1, Math.min(cores - 1, MAX_PARSE_THREADS))
    : 0;
}
