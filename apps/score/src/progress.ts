import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { pino, type Logger as PinoLogger } from 'pino';
import type { ReadPosition } from './readers.js';
import type { ScoreCounts } from './scorer.js';

/** Reports a run as it goes: a bar on a terminal, JSON lines otherwise (or nothing under --quiet). */
export interface ProgressReporter {
  /** Starts the periodic reports. */
  start(): void;
  /** Stops them; the last bar state stays on screen. Idempotent. */
  stop(): void;
}

export interface ProgressOptions {
  stderr: Writable;
  tty: boolean;
  logger: PinoLogger;
  counts: ScoreCounts;
  position: () => ReadPosition;
  intervalMs: number;
}

/** What the summary line says once a run ends. */
export interface RunSummary {
  outcome: 'ok' | 'failed' | 'interrupted';
  /** The process's exit code for this outcome (129/130/143 tell which stop it was). */
  exitCode: number;
  counts: ScoreCounts;
  /** The whole run, model load included. */
  wallMs: number;
  /** From the first row read to the last written: what rows/s is measured over. */
  scoringMs: number;
  output: string;
  rejects?: string;
}

/** JSON lines on stderr (`{"level":"info","time":…,"msg":…}`), the format of every non-terminal report. */
export function createLogger(stderr: Writable): PinoLogger {
  return pino({ base: null, formatters: { level: (label) => ({ level: label }) } }, stderr);
}

/** A reporter for `options.tty`: a cli-progress bar (bytes or rows, with ETA when the total is known), or JSON lines. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  return options.tty ? new BarProgress(options) : new LogProgress(options);
}

/** Writes the end-of-run summary: one JSON line, or one sentence on a terminal. */
export function reportSummary(summary: RunSummary, tty: boolean, stderr: Writable, logger: PinoLogger): void {
  const { counts, wallMs, scoringMs } = summary;
  const rowsPerSec = Math.round(counts.read / Math.max(scoringMs / 1000, 1e-3));
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  if (!tty) {
    const fields = {
      outcome: summary.outcome,
      exitCode: summary.exitCode,
      ...counts,
      rowsPerSec,
      wallMs: Math.round(wallMs),
      scoringMs: Math.round(scoringMs),
      maxRssBytes,
      output: summary.output,
      rejects: summary.rejects,
    };
    logger.info(fields, 'summary');
    return;
  }
  const rejected = counts.rejected > 0 && summary.rejects ? ` (see ${summary.rejects})` : '';
  const where = summary.outcome === 'ok' ? ` → ${summary.output}` : ` (${summary.outcome}; no output kept)`;
  stderr.write(
    `score: ${counts.read} rows read, ${counts.scored} scored, ${counts.rejected} rejected${rejected} in ${(wallMs / 1000).toFixed(1)} s, ` +
      `${rowsPerSec} rows/s, peak RSS ${Math.round(maxRssBytes / 2 ** 20)} MiB${where}\n`,
  );
}

/** Rows per second over the run so far. */
function rate(counts: ScoreCounts, startedAt: number): number {
  return Math.round(counts.read / Math.max((performance.now() - startedAt) / 1000, 1e-3));
}

class LogProgress implements ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(private readonly options: ProgressOptions) {}

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.report(), this.options.intervalMs);
    // Progress alone never keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private report(): void {
    const { counts, position } = this.options;
    const { done, total } = position();
    const rowsPerSec = rate(counts, this.startedAt);
    const fraction = total ? done / total : undefined;
    const elapsedSec = (performance.now() - this.startedAt) / 1000;
    const eta =
      fraction && fraction > 0
        ? { percent: Math.round(fraction * 1000) / 10, etaSec: Math.round((elapsedSec / fraction) * (1 - fraction)) }
        : {};
    this.options.logger.info(
      { rows: counts.read, scored: counts.scored, rejected: counts.rejected, rowsPerSec, ...eta },
      'progress',
    );
  }
}

class BarProgress implements ProgressReporter {
  private readonly bar: cliProgress.SingleBar;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(private readonly options: ProgressOptions) {
    const known = options.position().total !== undefined;
    this.bar = new cliProgress.SingleBar({
      stream: options.stderr,
      format: known
        ? '{bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}'
        : '{rows} rows | {rate} rows/s | {duration_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    });
  }

  start(): void {
    this.startedAt = performance.now();
    const { total } = this.options.position();
    this.bar.start(total ?? 1, 0, { rows: 0, rate: 0 });
    this.timer = setInterval(() => this.update(), 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.update();
    this.bar.stop();
  }

  private update(): void {
    const { done, total } = this.options.position();
    this.bar.update(total === undefined ? 0 : done, {
      rows: this.options.counts.read,
      rate: rate(this.options.counts, this.startedAt),
    });
  }
}
