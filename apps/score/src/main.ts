import { EXIT } from './exit-codes.js';
import { run } from './cli.js';
import { stopOnSignalsAndParentExit } from './process-stop.js';

/**
 * Entry point of `npm run score -- …`: runs the CLI on the process's streams. SIGINT (130), SIGTERM
 * (143), SIGHUP or the exit of the process that started it (129) stop the run: the partial output
 * is deleted and nothing is published.
 */
const controller = new AbortController();
const checkStop = stopOnSignalsAndParentExit(controller);

run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal,
  checkStop,
}).then(
  (code) => {
    // After a stop, exit now: a natural exit closes the signal handlers before it stops the model's
    // worker threads, and a signal repeated in that window would kill the process by default.
    if (controller.signal.aborted && code !== EXIT.ok) process.exit(code);
    process.exitCode = code;
  },
  (error: unknown) => {
    // run() reports its own failures; this is a bug in the CLI itself.
    process.stderr.write(
      `score: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = EXIT.failure;
  },
);
