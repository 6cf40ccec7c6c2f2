import 'reflect-metadata';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { createApiServer } from './server.js';

/** Entry point: config from flags and env, listen, and a graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const server = await createApiServer(config, logger);
  let address: string;
  try {
    address = await server.listen();
  } catch (error) {
    // Exiting while session workers load or run aborts the process inside onnxruntime (exit 134,
    // Napi::Error) instead of exiting 1: let the loads settle and close the sessions first.
    await server.repository.ready();
    await server.repository.closeNow();
    throw error;
  }
  logger.info(
    {
      address,
      modelsDir: config.modelsDir,
      playground: config.playground ? `${address}/playground` : false,
      // The runtime flags node runs with (apps/api/node.options through start.sh, or API_NODE_FLAGS).
      nodeFlags: process.execArgv,
    },
    'listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, delayMs: config.shutdownDelayMs, graceMs: config.shutdownGraceMs }, 'shutting down');
    server.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  // Config and start-up errors: one readable line, then a non-zero exit.
  console.error(
    JSON.stringify({
      level: 'fatal',
      msg: 'failed to start',
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  process.exit(1);
});
