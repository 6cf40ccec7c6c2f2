import type { Readable, Writable } from 'node:stream';
import { InferenceError, type LoadedModel, type Logger, type ModelRepository } from '@mserve/inference';
import type { Logger as PinoLogger } from 'pino';
import { HELP_TEXT, parseCliOptions, parseThreadsFor, type CliRequest, type ScoreOptions } from './cli-options.js';
import { BadRowError, EXIT, InterruptedError, interruptionOf, UsageError, type ExitCode } from './exit-codes.js';
import { openModel } from './model-loading.js';
import { createLogger, createProgress, reportSummary, type RunSummary } from './progress.js';
import { openInput } from './readers.js';
import { RowMapper } from './row-mapper.js';
import { ParsePool } from './parse-pool.js';
import { prepareHere } from './row-preparer.js';
import { scoreRows, type ScoreCounts } from './scorer.js';
import { createFormatter, formatRejects, OutputFile } from './writers.js';

/** The process around a run, injected so tests can drive `run` with plain streams. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  /** Relative paths resolve against it. */
  cwd: string;
  /**
   * Aborting it stops the run and discards the partial output; the exit code is the reason's when
   * that is an InterruptedError (130 otherwise). Once it has aborted, nothing is published.
   */
  signal?: AbortSignal;
  /**
   * Looks for a stop now (a launcher that exited since the last poll) and aborts `signal` if it
   * finds one; called before publishing and when a run fails, since a parent's death can end the
   * input (a closed pipe) before the poll sees it.
   */
  checkStop?: () => void;
}

/**
 * Runs `score` with `argv` (the arguments after the command) and resolves with its exit code; see
 * EXIT for their meaning. Never rejects: every failure is reported on `io.stderr`.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let request: CliRequest;
  try {
    request = parseCliOptions(argv, io.cwd);
  } catch (error) {
    return usageFailure(error, io.stderr);
  }
  if (request.kind === 'help') {
    io.stdout.write(`${HELP_TEXT}\n`);
    return EXIT.ok;
  }
  return score(request.options, io);
}

async function score(options: ScoreOptions, io: CliIo): Promise<ExitCode> {
  const tty = io.stderr.isTTY === true;
  const logger = createLogger(io.stderr);
  const startedAt = performance.now();
  const counts: ScoreCounts = { read: 0, scored: 0, rejected: 0 };
  let repository: ModelRepository | undefined;
  let parsePool: ParsePool | undefined;
  let output: OutputFile | undefined;
  let rejects: OutputFile | undefined;
  let scoringStartedAt: number | undefined;
  const summary = (outcome: RunSummary['outcome'], exitCode: ExitCode) => {
    const now = performance.now();
    const output = options.output === '-' ? 'stdout' : options.output;
    reportSummary(
      {
        outcome,
        exitCode,
        counts,
        wallMs: now - startedAt,
        scoringMs: now - (scoringStartedAt ?? now),
        output,
        rejects: options.rejects,
      },
      tty,
      io.stderr,
      logger,
    );
  };
  try {
    const input = await openInput(options.input, options.inputFormat, io.stdin);
    output = await OutputFile.open(options.output, io.stdout);
    rejects = options.rejects === undefined ? undefined : await OutputFile.open(options.rejects, io.stdout);
    // Model load lines are noise on a terminal and under --quiet; warnings and errors always show.
    const libraryLogger: Logger =
      tty || options.quiet
        ? { info: () => undefined, warn: logger.warn.bind(logger), error: logger.error.bind(logger) }
        : logger;
    const opened = await openModel(options, libraryLogger);
    repository = opened.repository;
    const model = opened.model;
    const batchSize = checkedBatchSize(options, model);
    const mapperOptions = {
      columnMap: options.columnMap,
      idColumn: options.idColumn,
      textValues: options.inputFormat === 'csv',
    };
    // Built here with parse threads too: it checks `--map` against the model (a usage error, exit 1).
    const mapper = new RowMapper(model.config, mapperOptions);
    const parseThreads = parseThreadsFor(options, input.position().total);
    parsePool =
      parseThreads > 0
        ? await ParsePool.start(parseThreads, { config: model.config, mapper: mapperOptions })
        : undefined;
    const source = parsePool
      ? parsePool.prepare(input, batchSize)
      : prepareHere(input, mapper, model.config, batchSize);
    const formatter = createFormatter(options.outputFormat, model.config);
    const progress = createProgress({
      stderr: io.stderr,
      tty,
      logger,
      counts,
      position: source.position,
      intervalMs: options.progressIntervalMs,
    });
    scoringStartedAt = performance.now();
    if (!options.quiet) progress.start();
    try {
      await scoreRows(source, {
        model,
        concurrency: options.concurrency,
        onError: options.onError,
        counts,
        signal: io.signal,
        onLayout: ({ ignoredColumns: ignored }) => {
          if (ignored.length > 0 && !options.quiet)
            note(
              `ignoring columns that are not fields of ${model.name}: ${ignored.join(', ')}`,
              { ignoredColumns: ignored },
              tty,
              io.stderr,
              logger,
            );
        },
        writeScored: (rows, key) => (output as OutputFile).write(formatter.format(rows, key)),
        writeRejected: (rows) => (rejects as OutputFile).write(formatRejects(rows)),
      });
    } finally {
      progress.stop();
    }
    await output.flush();
    await rejects?.flush();
    // Checked and published in one synchronous step: an interrupt is either seen here or comes after.
    io.checkStop?.();
    if (io.signal?.aborted) throw interruptionOf(io.signal);
    output.publishSync();
    rejects?.publishSync();
    summary('ok', EXIT.ok);
    return EXIT.ok;
  } catch (caught) {
    await output?.abort();
    await rejects?.abort();
    if (caught instanceof UsageError) return usageFailure(caught, io.stderr);
    // A run that failed because it was being stopped (its input cut by the parent's exit) reports the stop.
    io.checkStop?.();
    const error = io.signal?.aborted ? interruptionOf(io.signal) : caught;
    const code = exitCodeOf(error);
    reportFailure(error, options, tty, io.stderr, logger);
    summary(error instanceof InterruptedError ? 'interrupted' : 'failed', code);
    return code;
  } finally {
    // Closing waits for rows still in flight (after a bad row under fail); it has nothing to report.
    await parsePool?.close();
    await repository?.close().catch(() => undefined);
  }
}

/**
 * Rows in flight (batch × concurrency) must fit the model's queue, or the batcher would refuse
 * whole chunks as OVERLOADED.
 */
function checkedBatchSize(options: ScoreOptions, model: LoadedModel): number {
  const { maxBatchSize, maxQueueSize } = model.config.batching;
  const batchSize = options.batchSize ?? maxBatchSize;
  if (batchSize * options.concurrency > maxQueueSize) {
    throw new UsageError(
      `--batch-size ${batchSize} × --concurrency ${options.concurrency} exceeds ${model.name}'s queue of ${maxQueueSize} rows (batching.maxQueueSize)`,
      false,
    );
  }
  return batchSize;
}

function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof BadRowError) return EXIT.badRow;
  if (error instanceof InterruptedError) return error.code;
  return EXIT.failure;
}

function usageFailure(error: unknown, stderr: Writable): ExitCode {
  const message = error instanceof Error ? error.message : String(error);
  const help = error instanceof UsageError && !error.showHelp ? '' : `\n\n${HELP_TEXT}`;
  stderr.write(`score: ${message}${help}\n`);
  return EXIT.usage;
}

function reportFailure(
  error: unknown,
  options: ScoreOptions,
  tty: boolean,
  stderr: Writable,
  logger: PinoLogger,
): void {
  if (error instanceof BadRowError) {
    const hint = 'rerun with --on-error skip to write bad rows to a rejects file and score the rest';
    note(`${error.message}; ${hint}`, { ...error.rejection }, tty, stderr, logger, 'error');
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof InferenceError ? { code: error.cause.code } : {};
  note(message, { input: options.input, ...cause }, tty, stderr, logger, 'error');
}

/** One message for a person: plain text on a terminal, a JSON line otherwise. */
function note(
  message: string,
  fields: object,
  tty: boolean,
  stderr: Writable,
  logger: PinoLogger,
  level: 'info' | 'error' = 'info',
): void {
  if (tty) stderr.write(`\r\x1b[Kscore: ${message}\n`);
  else logger[level](fields, message);
}
