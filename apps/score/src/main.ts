import { EXIT } from './exit-codes.js';
import { run } from './cli.js';

/**
 * Entry point of `npm run score -- …`: runs the CLI on the process's streams. SIGINT/SIGTERM stop
 * the run between chunks, so the partial output is deleted before the process exits (code 130).
 */
const controller = new AbortController();
const stop = () => controller.abort();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => {
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
