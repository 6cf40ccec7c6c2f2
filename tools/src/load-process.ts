/**
 * The load generator (load-generator.ts) in a child process of its own, driven over IPC, so the
 * load is generated outside both the server and the benchmark's in-process measurements.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runLoad, type LoadOutcome, type LoadPlan } from './load-generator.js';

type ToChild = { type: 'run'; id: number; plan: LoadPlan } | { type: 'exit' };
type FromChild =
  | { type: 'window'; id: number; phase: 'start' | 'end' }
  | { type: 'result'; id: number; outcome: LoadOutcome }
  | { type: 'error'; id: number; message: string };

/** A load generator in a child process: one plan at a time. */
export interface LoadProcess {
  run(plan: LoadPlan, onWindow?: (phase: 'start' | 'end') => void | Promise<void>): Promise<LoadOutcome>;
  close(): Promise<void>;
}

/**
 * Forks this module as a child process (with this process's Node flags, so the TypeScript loader
 * comes along) and drives it over IPC.
 */
export function startLoadProcess(): LoadProcess {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--load-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  prioritize(child);
  let nextId = 1;
  const pending = new Map<
    number,
    {
      resolve: (o: LoadOutcome) => void;
      reject: (e: Error) => void;
      onWindow?: (phase: 'start' | 'end') => void | Promise<void>;
      windows: Array<Promise<void>>;
    }
  >();
  child.on('message', (message: FromChild) => {
    const job = pending.get(message.id);
    if (!job) return;
    if (message.type === 'window') job.windows.push(Promise.resolve(job.onWindow?.(message.phase)));
    else {
      pending.delete(message.id);
      // The result waits for the window callbacks (they read the server's metrics).
      void Promise.all(job.windows).then(
        () => (message.type === 'result' ? job.resolve(message.outcome) : job.reject(new Error(message.message))),
        job.reject,
      );
    }
  });
  child.on('exit', (code) => {
    for (const job of pending.values()) job.reject(new Error(`load generator exited with code ${code}`));
    pending.clear();
  });
  return {
    run(plan, onWindow) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onWindow, windows: [] });
        child.send({ type: 'run', id, plan } satisfies ToChild);
      });
    },
    close() {
      if (child.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'exit' } satisfies ToChild);
      });
    },
  };
}

/**
 * The generator shares the machine's cores with the server: when the scheduler makes it wait, its
 * clocks count that wait as the server's latency. A higher priority (nice -10; needs root, else it
 * stays as it is and `generatorPriority` says so) keeps its measurements honest at the cost of a
 * little server CPU.
 */
function prioritize(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) setPriority(child.pid, -10);
    generatorPriority = 'nice -10';
  } catch {
    generatorPriority = 'normal (raising it needs root)';
  }
}

/** The load generator's scheduling priority, for the report's machine notes. */
export let generatorPriority = 'not started';

// The child side: run plans sent over IPC, one at a time.
if (process.argv[2] === '--load-child' && process.send) {
  const reply = (message: FromChild) => process.send?.(message);
  process.on('message', (message: ToChild) => {
    if (message.type === 'exit') process.exit(0);
    runLoad(message.plan, (phase) => reply({ type: 'window', id: message.id, phase })).then(
      (outcome) => reply({ type: 'result', id: message.id, outcome }),
      (error: unknown) =>
        reply({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
}
