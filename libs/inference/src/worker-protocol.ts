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
    if (!Array.isArray(tensor.data) && tensor.data.buffer instanceof ArrayBuffer && !buffers.includes(tensor.data.buffer)) {
      buffers.push(tensor.data.buffer);
    }
  }
  return buffers;
}
