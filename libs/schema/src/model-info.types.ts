import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ModelPhase {
  LOADING = 'loading',
  READY = 'ready',
  FAILED = 'failed',
  CLOSED = 'closed',
}
registerEnumType(ModelPhase, { name: 'ModelPhase', description: 'Where a model version is in its lifecycle.' });

@ObjectType('FieldInfo', { description: 'One named field of an input tensor, from the contract.' })
export class FieldInfo {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string;
  @Field(() => String, { nullable: true }) unit?: string;
  @Field(() => Float, { nullable: true, description: 'Inclusive lower bound of every element.' }) min?: number;
  @Field(() => Float, { nullable: true, description: 'Inclusive upper bound of every element.' }) max?: number;
  @Field(() => Int, { nullable: true, description: 'Vector length; null for a scalar field.' }) length?: number;
  @Field(() => String, {
    nullable: true,
    description: 'Value used when the field is omitted (JSON); null when required.',
  })
  default?: string;
}

@ObjectType('TensorInfo', { description: 'An input or output tensor as the ONNX session declares it.' })
export class TensorInfo {
  @Field(() => String, { description: 'For outputs: the GraphQL field name; for inputs: the tensor name.' })
  name!: string;
  @Field(() => String, { description: 'The ONNX tensor name.' }) tensor!: string;
  @Field(() => String, { description: 'float32, float64, int32, int64, bool or string.' }) dtype!: string;
  @Field(() => [String], { description: 'Dims, batch axis first; symbolic dims by name (e.g. "batch").' })
  shape!: string[];
  @Field(() => String, { nullable: true, description: 'Outputs: probabilities, logits, regression or embedding.' })
  kind?: string;
  @Field(() => [FieldInfo], { description: 'Inputs: the named fields laid out along each row.' }) fields!: FieldInfo[];
}

@ObjectType('BatchingInfo', { description: "The model's dynamic batching settings." })
export class BatchingInfo {
  @Field(() => Int, { description: 'Most rows in one model run.' }) maxBatchSize!: number;
  @Field(() => Int, { description: 'How long an under-full batch may wait for more rows.' })
  maxQueueDelayMicros!: number;
  @Field(() => Int, { description: 'Most rows waiting; beyond it requests get OVERLOADED.' }) maxQueueSize!: number;
  @Field(() => Int, { description: 'Default deadline of a row in milliseconds.' }) timeoutMs!: number;
}

@ObjectType('ModelVersionInfo', { description: 'One version of a model.' })
export class ModelVersionInfo {
  @Field(() => Int) version!: number;
  @Field(() => ModelPhase) state!: ModelPhase;
  @Field(() => String, { nullable: true, description: 'Why it failed to load.' }) reason?: string;
  @Field(() => String, { nullable: true, description: 'The execution provider its sessions run on.' })
  executionProvider?: string;
  @Field(() => String, { nullable: true, description: 'Why a configured GPU provider is not used.' })
  fallbackReason?: string;
  @Field(() => Int, { description: 'Rows waiting in its batcher now.' }) pendingRows!: number;
}

@ObjectType('ModelInfo', { description: 'A model of the repository: its contract, versions and state.' })
export class ModelInfo {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string;
  @Field(() => String, { nullable: true, description: 'classification, regression or embedding.' }) task?: string;
  @Field(() => ModelPhase, { description: 'State of the version that serves by default.' }) state!: ModelPhase;
  @Field(() => String, { nullable: true, description: 'Why the default version failed to load.' }) reason?: string;
  @Field(() => Int, { description: 'The version that serves when a query names none (the newest ready one).' })
  defaultVersion!: number;
  @Field(() => [ModelVersionInfo]) versions!: ModelVersionInfo[];
  @Field(() => [TensorInfo]) inputs!: TensorInfo[];
  @Field(() => [TensorInfo]) outputs!: TensorInfo[];
  @Field(() => [String], { nullable: true }) labels?: string[];
  @Field(() => BatchingInfo, { nullable: true }) batching?: BatchingInfo;
  @Field(() => Int, { nullable: true, description: 'Worker threads, each with one session.' }) instances?: number;
  @Field(() => String, { nullable: true, description: 'Execution provider of the default version.' })
  executionProvider?: string;
}
