import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

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
  const child = spawn(
    process.execPath,
    ['--conditions', '@mserve/source', '--import', 'tsx/esm', 'apps/api/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        TSX_TSCONFIG_PATH: 'tsconfig.base.json',
        PORT: '0',
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the API did not listen within ${startMs} ms: ${stderr.join('').slice(-2000)}`)),
      startMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the API exited with code ${code} before listening: ${stderr.join('').slice(-2000)}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening' && typeof entry.address === 'string') {
          clearTimeout(timer);
          resolve(entry.address);
        }
      } catch {
        logs.push({ msg: 'non-JSON output', line });
      }
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
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
