// The public surface of @mserve/inference: add names here with intention. Wire-level building
// blocks live in ./tensors.ts (`@mserve/inference/tensors`), test hooks in ./testing.ts.
export { ModelRepository } from './model-repository.js';
export type { ModelEntry } from './model-repository.js';
export type { LoadedModel } from './loaded-model.js';
export type { ModelSignature, TensorSignature } from './worker-protocol.js';
export { parseModelConfig } from './model-config.js';
export type { FieldSpec, InputSpec, ModelConfig, ModelConfigJson } from './model-config.js';
export { ContractCodec } from './tensor-codec.js';
export type { Row } from './row-batches.js';
export type { AbortSignalLike, SubmitOptions } from './batcher-options.js';
export { topK } from './predictions.js';
export type { Prediction } from './predictions.js';
export { DTYPES } from './dtypes.js';
export type { DType } from './dtypes.js';
export { ERROR_CATALOGUE, InferenceError, inferenceError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { InferenceMetrics, Logger, ModelObserver } from './observability.js';
