import type { DType } from './dtypes.js';

/**
 * The contract of one model: `models/<name>/config.json`. It says what the model's tensors mean to a
 * caller (named fields, units, ranges, labels, output kinds) and how the model is served (batching,
 * instances, execution providers). The API's GraphQL types are generated from it, and every input
 * is validated against it before a tensor is allocated.
 */
export interface ModelConfig {
  /** One sentence for humans: shown in the playground docs and in `models`. */
  description: string;
  task: Task;
  /** One entry per ONNX input tensor, in any order. */
  inputs: InputSpec[];
  /** Output fields by name. The key is the field name; `tensor` names the ONNX output. */
  outputs: Record<string, OutputSpec>;
  /** Class labels, index-aligned with the class axis of probability/logit outputs. */
  labels?: string[];
  /** For binary classification with one score: the decision threshold (default 0.5). */
  threshold?: number;
  batching: BatchingConfig;
  /** Worker threads, each holding one session (Triton's instance_group count). */
  instances: number;
  /** onnxruntime intra-op threads per session; instances × threads should not exceed the cores. */
  threadsPerInstance?: number;
  /** Providers in order of preference. Default `["cpu"]`. */
  executionProviders?: ExecutionProvider[];
  /** When a GPU provider fails to initialise: load on CPU (logged, shown in model info) or fail. */
  allowCpuFallback?: boolean;
  /** Batches run before the model reports ready. Default: one batch of 1 row and one of maxBatchSize. */
  warmup?: WarmupConfig;
}

export type Task = 'classification' | 'regression' | 'embedding';
export type ExecutionProvider = 'cpu' | 'cuda' | 'tensorrt';

/**
 * One ONNX input tensor of per-row shape `shape` (default `[n]` where n is the sum of the field
 * lengths). Its fields are laid out in order along the row: a scalar field takes one element, a
 * vector field `length` elements. So iris has four scalar fields → `[batch, 4]`, and mnist one
 * vector field of length 784 → `[batch, 784]`.
 */
export interface InputSpec {
  tensor: string;
  /** Default `float32`. */
  dtype?: DType;
  /** Per-row shape (without the batch axis). Its element count must equal the fields' total length. */
  shape?: number[];
  fields: FieldSpec[];
}

export interface FieldSpec {
  /** The GraphQL field name (camelCase). */
  name: string;
  description?: string;
  unit?: string;
  /** Inclusive bounds, checked for every element. */
  min?: number;
  max?: number;
  /** Present → the field is a fixed-length vector (a list in GraphQL). Absent → a scalar. */
  length?: number;
  /** Present → the field is optional and takes this value when missing. */
  default?: number | string | boolean;
}

export type OutputKind = 'probabilities' | 'logits' | 'regression' | 'embedding';

export interface OutputSpec {
  /** The ONNX output tensor name. */
  tensor: string;
  kind: OutputKind;
  description?: string;
  unit?: string;
}

export interface BatchingConfig {
  /** Most rows in one session run. */
  maxBatchSize: number;
  /** How long an under-full batch may wait for more rows once an instance is idle. Default 0. */
  maxQueueDelayMicros?: number;
  /** Most rows waiting; beyond it submissions are refused with OVERLOADED. */
  maxQueueSize: number;
  /** Default deadline of a row, from submission. A request may shorten it, never lengthen it. */
  timeoutMs: number;
}

export interface WarmupConfig {
  /** Row counts of the warm-up batches, run in order. */
  batchSizes: number[];
}
