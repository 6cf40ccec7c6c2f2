import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { DType, TensorData } from './dtypes.js';
import type { ExecutionProvider } from './model-config.js';

/**
 * Messages between the main thread and a session worker. Tensor buffers travel as transferables
 * (moved, not copied); string tensors are structured-cloned.
 */

/** A tensor as it crosses threads: dtype, full dims (batch axis included) and elements. */
export interface WireTensor {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

export type WireTensors = Record<string, WireTensor>;

/** One input or output as the ONNX session declares it. A string dim is symbolic (e.g. `batch`). */
export interface TensorSignature {
  name: string;
  /** onnxruntime's type name; one of DType for the tensors this library supports. */
  type: string;
  shape: Array<number | string>;
  isTensor: boolean;
}

export interface ModelSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

/** Given to each worker at start (workerData). */
export interface WorkerInit {
  modelPath: string;
  intraOpNumThreads: number;
  executionProviders: ExecutionProvider[];
  allowCpuFallback: boolean;
}

export type WorkerRequest = { type: 'run'; id: number; feeds: WireTensors };

export type WorkerReply =
  | { type: 'ready'; signature: ModelSignature; provider: ExecutionProvider; fallbackReason?: string }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: WireTensors }
  | { type: 'error'; id: number; message: string };

/** The buffers of `tensors` to move rather than copy. */
export function transferList(tensors: WireTensors): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const tensor of Object.values(tensors)) {
    if (
      !Array.isArray(tensor.data) &&
      tensor.data.buffer instanceof ArrayBuffer &&
      !buffers.includes(tensor.data.buffer)
    ) {
      buffers.push(tensor.data.buffer);
    }
  }
  return buffers;
}

/**
 * A worker thread running the compiled module `entry` (a `.js` URL beside the caller). When the
 * caller is itself TypeScript source (tests, `tsx`), the worker runs the `.ts` source beside it
 * instead, registering tsx first (`--import tsx` in execArgv would not reach a worker's entry) and
 * resolving workspace packages to their sources (`@mserve/source` condition). tsx
 * is a dev dependency, resolved from the working directory (the repo or one of its projects).
 */
export function startWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.href.endsWith('.js')) throw new Error(`startWorker: ${entry.href} is not a .js module`);
  if (!isTypeScriptSource(entry)) return new Worker(entry, { workerData });
  const source = entry.href.replace(/\.js$/, '.ts');
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  // The workspace packages it imports resolve to their sources too. (An explicit execArgv replaces
  // the inherited one, and a V8 or process-wide flag in it would fail the start: pass only this.)
  const inherits = process.execArgv.some((arg) => arg.includes('@mserve/source'));
  return new Worker(bootstrap, {
    eval: true,
    workerData,
    ...(inherits ? {} : { execArgv: ['--conditions=@mserve/source'] }),
  });
}

/** Whether `entry` (a compiled module's URL) is not there and its TypeScript source is: running from sources. */
function isTypeScriptSource(entry: URL): boolean {
  return !existsSync(entry) && existsSync(new URL(entry.href.replace(/\.js$/, '.ts')));
}
