import type { ChildProcess } from 'node:child_process';
import { startApi } from '@mserve/tools/api-process';

/** The real API in a child process (as `npm start` runs it, from the TypeScript sources), ready to serve. */
export interface LiveApi {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Spawns apps/api/src/main.ts on 127.0.0.1:<ephemeral> with `env` on top of this process's
 * environment, and resolves once it listens and /readyz is 200. The web app is another Nx app,
 * so its tests reach the API over HTTP only, as the browser does.
 */
export async function startLiveApi(env: Record<string, string> = {}, startMs = 60_000): Promise<LiveApi> {
  const { url, logs, process: child } = await startApi(env, startMs);
  const deadline = Date.now() + startMs;
  while ((await fetch(`${url}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('the API did not get ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, logs, close: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
