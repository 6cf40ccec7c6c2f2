import { Worker } from 'node:worker_threads';
import type { ExecutionProvider } from './model-config.js';
import {
  startWorker,
  transferList,
  type ModelSignature,
  type WireTensors,
  type WorkerInit,
  type WorkerReply,
} from './worker-protocol.js';

/** What the pool reports to its owner (for logs and metrics). Must not throw. */
export interface PoolEvents {
  /** A worker died (crash, kill, out of memory) and is being replaced. */
  workerExited?(instance: number, code: number, hadBatch: boolean): void;
  workerReplaced?(instance: number): void;
  workerReplaceFailed?(instance: number, reason: string): void;
}

export interface SessionPoolOptions extends WorkerInit {
  instances: number;
  events?: PoolEvents;
}

interface Job {
  id: number;
  feeds: WireTensors;
  resolve: (outputs: WireTensors) => void;
  reject: (error: Error) => void;
}

interface Instance {
  index: number;
  worker: Worker;
  job: Job | undefined;
  exited: boolean;
}

/**
 * `instances` worker threads, each holding one onnxruntime session of the same model. `run` sends a
 * batch to an idle worker (or queues it until one is idle) and moves its buffers rather than copying
 * them. A worker that dies fails its batch (never hangs it) and is replaced.
 */
export class SessionPool {
  private readonly idle: Instance[] = [];
  private readonly waiting: Job[] = [];
  private readonly instances: Instance[] = [];
  private nextId = 1;
  private closed = false;
  /** Replacement workers being started. */
  private replacing = 0;

  private constructor(
    private readonly options: SessionPoolOptions,
    /** Inputs and outputs as the session declares them. */
    readonly signature: ModelSignature,
    /** The provider the sessions actually run on. */
    readonly provider: ExecutionProvider,
    /** Why a GPU provider was not used, when the pool fell back to CPU. */
    readonly fallbackReason: string | undefined,
  ) {}

  /** Starts every worker and resolves once all sessions are created; rejects with the load error. */
  static async start(options: SessionPoolOptions): Promise<SessionPool> {
    const started = await Promise.allSettled(Array.from({ length: options.instances }, () => spawn(options)));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.worker.terminate() : undefined)));
      throw failure.reason;
    }
    const workers = started.map((s) => (s as PromiseFulfilledResult<Spawned>).value);
    const first = workers[0].ready;
    const pool = new SessionPool(options, first.signature, first.provider, first.fallbackReason);
    workers.forEach(({ worker }, index) => pool.adopt(index, worker));
    return pool;
  }

  /** Runs one batch on an idle session. Rejects if the session fails or its worker dies. */
  run(feeds: WireTensors): Promise<WireTensors> {
    if (this.closed) return Promise.reject(new Error('session pool is closed'));
    if (!this.canRun) return Promise.reject(new Error('no session worker is left: replacing a dead one failed'));
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, feeds, resolve, reject };
      const instance = this.idle.pop();
      if (instance) this.send(instance, job);
      else this.waiting.push(job);
    });
  }

  /** Workers alive now (a dead one counts again once its replacement is ready). */
  get liveWorkers(): number {
    return this.instances.filter((instance) => !instance.exited).length;
  }

  /**
   * Whether a batch sent now will run: a worker is alive, or one is being started. False once every
   * worker died and no replacement could start; batches then fail at once instead of waiting forever.
   */
  get canRun(): boolean {
    return !this.closed && (this.liveWorkers > 0 || this.replacing > 0);
  }

  /**
   * Makes one worker die as a crash would, for fault tests: its batch fails at once and a
   * replacement starts. A busy thread itself is terminated only once onnxruntime has returned in it
   * (its result is ignored): terminating a thread while onnxruntime runs in it aborts the whole
   * process, because the binding then throws a C++ exception into a dying thread.
   */
  async killInstance(index: number): Promise<void> {
    const instance = this.instances[index];
    if (instance.exited) return;
    const { worker, job } = instance;
    this.onExit(instance, 1);
    if (job) worker.once('message', () => void worker.terminate());
    else await worker.terminate();
  }

  /** Terminates every worker. Waiting batches are rejected; call it after the batcher has drained. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('session pool closed'));
    await Promise.all(this.instances.map((instance) => instance.worker.terminate()));
  }

  private adopt(index: number, worker: Worker): void {
    const instance: Instance = { index, worker, job: undefined, exited: false };
    this.instances[index] = instance;
    worker.on('message', (message: WorkerReply) => this.onReply(instance, message));
    worker.on('error', () => {
      // 'exit' follows and does the clean-up; an uncaught worker error must not crash the process.
    });
    worker.on('exit', (code) => this.onExit(instance, code));
    this.release(instance);
  }

  private send(instance: Instance, job: Job): void {
    instance.job = job;
    instance.worker.postMessage({ type: 'run', id: job.id, feeds: job.feeds }, transferList(job.feeds));
  }

  private release(instance: Instance): void {
    instance.job = undefined;
    const next = this.waiting.shift();
    if (next) this.send(instance, next);
    else this.idle.push(instance);
  }

  private onReply(instance: Instance, message: WorkerReply): void {
    const job = instance.job;
    if (!job || (message.type !== 'result' && message.type !== 'error') || message.id !== job.id) return;
    if (message.type === 'result') job.resolve(message.outputs);
    else job.reject(new Error(message.message));
    this.release(instance);
  }

  private onExit(instance: Instance, code: number): void {
    if (this.instances[instance.index] !== instance || instance.exited) return;
    instance.exited = true;
    const idleAt = this.idle.indexOf(instance);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const job = instance.job;
    instance.job = undefined;
    job?.reject(new Error(`session worker ${instance.index} exited with code ${code} while running a batch`));
    if (this.closed) return;
    this.options.events?.workerExited?.(instance.index, code, job !== undefined);
    this.replacing++;
    spawn(this.options).then(
      ({ worker }) => {
        this.replacing--;
        if (this.closed) {
          void worker.terminate();
          return;
        }
        this.adopt(instance.index, worker);
        this.options.events?.workerReplaced?.(instance.index);
      },
      (error: Error) => {
        this.replacing--;
        this.options.events?.workerReplaceFailed?.(instance.index, error.message);
        // With no worker left to take them, waiting batches would wait forever: fail them now.
        if (!this.canRun)
          for (const waiting of this.waiting.splice(0))
            waiting.reject(new Error(`no session worker is left: ${error.message}`));
      },
    );
  }
}

interface Spawned {
  worker: Worker;
  ready: Extract<WorkerReply, { type: 'ready' }>;
}

/** Starts one worker and waits for its session to be created. */
function spawn(init: WorkerInit): Promise<Spawned> {
  const workerInit: WorkerInit = {
    modelPath: init.modelPath,
    intraOpNumThreads: init.intraOpNumThreads,
    executionProviders: init.executionProviders,
    allowCpuFallback: init.allowCpuFallback,
  };
  const worker = startWorker(new URL('./session-worker.js', import.meta.url), workerInit);
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerReply) => {
      if (message.type === 'ready') {
        cleanup();
        resolve({ worker, ready: message });
      } else if (message.type === 'failed') {
        cleanup();
        void worker.terminate();
        reject(new Error(message.message));
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`session worker exited with code ${code} before its session was ready`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
