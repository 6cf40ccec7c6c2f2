import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { irisFlowers } from '@mserve/tools/score-sample-data';
import { tempDir } from './testing/harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** A running `score` reading real iris rows from a pipe that the test keeps feeding until it stops. */
interface Run {
  /** The process the test started: the scorer itself, or npm. */
  child: ChildProcess;
  output: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stopFeeding: () => void;
  /** Everything the run wrote to stderr so far (JSON log lines). */
  stderr: () => string;
}

/**
 * Starts `score` on stdin (`--input -`) in its own process group, as a terminal's job control would,
 * either directly (node + tsx loader, one process) or as `npm run score` (npm → sh → node).
 * The input never ends while it is fed, so the run is still going whenever the test signals it.
 */
function startScore(how: 'node' | 'npm', dir: string): Run {
  const output = join(dir, 'scored.jsonl');
  const args = ['--model', 'iris', '--input', '-', '--format', 'jsonl', '--output', output, '--quiet'];
  const child =
    how === 'node'
      ? spawn(process.execPath, ['--conditions=@mserve/source', '--import', 'tsx', MAIN, ...args], {
          cwd: ROOT,
          env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.base.json') },
          stdio: ['pipe', 'ignore', 'pipe'],
          detached: true,
        })
      : spawn('npm', ['run', '--silent', 'score', '--', ...args], {
          cwd: ROOT,
          stdio: ['pipe', 'ignore', 'pipe'],
          detached: true,
        });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = irisFlowers()
    .map(
      (f, i) =>
        `{"id":"r${i}","sepalLength":${f.sepalLength},"sepalWidth":${f.sepalWidth},"petalLength":${f.petalLength},"petalWidth":${f.petalWidth}}\n`,
    )
    .join('');
  const block = lines.repeat(10);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let feeding = true;
  const stdin = child.stdin;
  stdin?.on('error', () => undefined);
  const feed = () => {
    if (!feeding || stdin === null || stdin.destroyed) return;
    if (stdin.write(block)) setTimeout(feed, 10);
    else stdin.once('drain', feed);
  };
  feed();
  return {
    child,
    output,
    exited,
    stderr: () => stderr,
    stopFeeding: () => {
      feeding = false;
      stdin?.end();
    },
  };
}

/** The status a shell reports for a process: its exit code, or 128 + the number of the signal that killed it. */
function shellStatus({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): number | undefined {
  return code ?? (signal === null ? undefined : 128 + constants.signals[signal]);
}

/** The outcome and exit code in the run's summary line (the scorer's own, under npm too). */
function outcomeOf(run: Run): unknown {
  const summary = run
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((log) => log.msg === 'summary');
  return summary === undefined ? undefined : { outcome: summary.outcome, exitCode: summary.exitCode };
}

/** Resolves once scored rows are being written to `<output>.partial`. */
async function untilWriting(run: Run): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (existsSync(`${run.output}.partial`) && statSync(`${run.output}.partial`).size > 0) return;
    await sleep(50);
  }
  throw new Error('score never started writing');
}

/** The pids of live processes whose command line names `text` (npm, sh and node of one run). */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // The process ended while it was read.
    }
  }
  return pids;
}

/** Waits up to `ms` for every process of the run to end; returns those still alive. */
async function untilGone(run: Run, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = processesNaming(run.output);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = processesNaming(run.output);
  }
  return alive;
}

/** Ends whatever a failed test left running, by pid. */
function killLeftovers(run: Run): void {
  run.stopFeeding();
  for (const pid of processesNaming(run.output)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

describe('score stops with a signal or with its parent', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let run: Run | undefined;

  beforeEach(async () => {
    dir = await tempDir('signals');
  });

  afterEach(async () => {
    if (run) killLeftovers(run);
    run = undefined;
    await dir.cleanup();
  });

  /**
   * After a stop, the run publishes nothing and leaves no partial file, even once its input ends,
   * and its summary line says it was interrupted, with `exitCode`.
   */
  async function expectStopped(stopped: Run, exitCode: number): Promise<void> {
    stopped.stopFeeding();
    expect(await untilGone(stopped, 10_000)).toEqual([]);
    expect(readdirSync(dir.path)).toEqual([]);
    expect(outcomeOf(stopped)).toEqual({ outcome: 'interrupted', exitCode });
  }

  it('exits 143 on SIGTERM, deleting the partial output', async () => {
    run = startScore('node', dir.path);
    await untilWriting(run);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 143, signal: null });
    await expectStopped(run, 143);
  });

  it('exits 130 on SIGINT, also when it comes twice (to the terminal group, then relayed by a wrapper)', async () => {
    run = startScore('node', dir.path);
    await untilWriting(run);
    run.child.kill('SIGINT');
    // Apart, so the kernel does not merge them into one pending signal.
    await sleep(100);
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 130, signal: null });
    await expectStopped(run, 130);
  });

  it('exits 143 under `npm run score` when the group gets SIGTERM', async () => {
    run = startScore('npm', dir.path);
    await untilWriting(run);
    process.kill(-(run.child.pid as number), 'SIGTERM');
    // npm re-raises the signal on itself: a shell reports 143 for it, as for the scorer's own exit.
    expect(shellStatus(await run.exited)).toBe(143);
    await expectStopped(run, 143);
  });

  it('stops by itself when npm is killed (SIGKILL)', async () => {
    run = startScore('npm', dir.path);
    await untilWriting(run);
    run.child.kill('SIGKILL');
    await run.exited;
    // Fed a little longer: a scorer that outlived npm would keep scoring, then publish at the end.
    await sleep(2000);
    await expectStopped(run, 129);
  });
});
