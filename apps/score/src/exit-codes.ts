/**
 * The exit codes of `score`, documented in `--help` and the README:
 * 0 every row read was written (scored, or rejected under `--on-error skip`);
 * 1 usage or configuration error (bad flag, unknown model, model that fails to load);
 * 2 a bad row under `--on-error fail` (the message names its line, field and reason);
 * 3 I/O or internal error (unreadable input, unwritable output, a model run that failed);
 * 129 stopped by SIGHUP, or because the process that started it (npm, sh) exited;
 * 130 interrupted by SIGINT; 143 stopped by SIGTERM (128 + the signal's number, as shells report).
 */
export const EXIT = { ok: 0, usage: 1, badRow: 2, failure: 3, hangup: 129, interrupted: 130, terminated: 143 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A bad flag or setting: exit 1, and `--help` is shown when `showHelp` says so. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    readonly showHelp = true,
  ) {
    super(message);
  }
}

/** Why one input row could not be scored: the row's line (or row number), field, code and reason. */
export interface RowRejection {
  line: number;
  /** The contract field at fault, or `(row)` when the row itself is malformed. */
  field: string;
  /** `BAD_USER_INPUT` from the library's contract checks, `MALFORMED_ROW` from the input parser. */
  code: string;
  reason: string;
}

/** The first bad row under `--on-error fail`: exit 2. */
export class BadRowError extends Error {
  override readonly name = 'BadRowError';

  constructor(readonly rejection: RowRejection) {
    super(`Bad row at line ${rejection.line}, field ${rejection.field}: ${rejection.reason} (${rejection.code})`);
  }
}

/** The exit codes of a stopped run. */
export type StopCode = typeof EXIT.hangup | typeof EXIT.interrupted | typeof EXIT.terminated;

/**
 * The run was stopped by a signal or by its parent's exit: `code` is the exit code (130 by default).
 * A signal handled just after a launcher was seen gone renames the stop (see process-stop.ts), so
 * `code` and the message may change until the process exits.
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';

  constructor(
    message: string,
    public code: StopCode = EXIT.interrupted,
  ) {
    super(message);
  }
}

/** The error that stops a run aborted through `signal`: its reason when that is an InterruptedError. */
export function interruptionOf(signal: AbortSignal): InterruptedError {
  return signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError('interrupted');
}
