import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How a spawned API's output is kept: piped to this process, dropped, or passed through (stderr). */
export interface ApiOutput {
  stdout?: 'pipe' | 'ignore';
  stderr?: 'pipe' | 'inherit';
}

/**
 * The node flags the API runs with, as apps/api/start.sh chooses them: `env`'s API_NODE_FLAGS when
 * set, else apps/api/node.options (its lines that are not comments); none for a checkout of `root`
 * without that file (an older commit, as it shipped).
 */
export function apiNodeFlags(root = REPO_ROOT, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = join(root, 'apps/api/node.options');
  const fromFile = () =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => !/^\s*#/.test(line))
          .join(' ')
      : '';
  return (env.API_NODE_FLAGS ?? fromFile()).split(/\s+/).filter(Boolean);
}

/**
 * Spawns `apps/api/src/main.ts` from the TypeScript sources (through tsx, as the repo's scripts run
 * it) with the API's node flags (apiNodeFlags) in the repo root, on 127.0.0.1 and an ephemeral port
 * unless `env` says otherwise, with `env` over this process's environment. The one place the e2e
 * tests and benchmarks start a real API.
 */
export function spawnApi(env: Record<string, string>, output: ApiOutput = {}): ChildProcess {
  const flags = apiNodeFlags(REPO_ROOT, { ...process.env, ...env });
  const args = [...flags, '--conditions', '@mserve/source', '--import', 'tsx/esm', 'apps/api/src/main.ts'];
  return spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      TSX_TSCONFIG_PATH: 'tsconfig.base.json',
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', output.stdout ?? 'pipe', output.stderr ?? 'pipe'],
  });
}

/** A spawned API that has logged "listening". */
export interface ListeningApi {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  process: ChildProcess;
  /** Its JSON log lines (stdout), as they arrive; a line that is not JSON as `{ msg: 'non-JSON output', line }`. */
  logs: Array<Record<string, unknown>>;
  /** What it wrote to stderr (nothing, normally). */
  stderr: string[];
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * spawnApi, resolved once the API logs "listening" (with its address). Rejects, with the end of
 * its stderr, if it exits first or does not listen within `startMs` (then it is killed).
 */
export function startApi(env: Record<string, string>, startMs = 30_000): Promise<ListeningApi> {
  const child = spawnApi(env);
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const tail = () => stderr.join('').slice(-2000);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the API did not listen within ${startMs} ms; stderr: ${tail()}`));
    }, startMs);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the API exited with code ${code} before listening; stderr: ${tail()}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: 'non-JSON output', line };
      }
      logs.push(entry);
      if (entry.msg === 'listening' && typeof entry.address === 'string') {
        clearTimeout(timer);
        resolve({ url: entry.address, process: child, logs, stderr, exited });
      }
    });
  });
}
