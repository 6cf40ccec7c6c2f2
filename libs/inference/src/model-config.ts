import type { DType } from './dtypes.js';
import { PRIORITIES, type Priority } from './priority-queues.js';

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
  /**
   * Entities of other services that this model extends with a prediction field, when the API runs as
   * a federation subgraph (`FEDERATION=true`): the field is predicted from the entity's own fields.
   */
  entities?: EntitySpec[];
}

/**
 * An entity type owned by another subgraph, extended with a prediction field of this model. The
 * router sends our subgraph the entity's key and the mapped fields (`@requires`); every entity of
 * one `_entities` call is one row of one model run.
 */
export interface EntitySpec {
  /** The GraphQL type name of the entity (`Flower`). */
  type: string;
  /** Its `@key` field set: one or more top-level field names separated by spaces (`id`, `sku region`). */
  key: string;
  /** The name of the prediction field added to the entity (default `prediction`). */
  field: string;
  /** Model input field → entity field it is read from. Filled in: a field not listed reads the entity field of its own name. */
  inputs: Record<string, string>;
}

export type Task = 'classification' | 'regression' | 'embedding';
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'tensorrt';

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
  /** Most rows waiting at each priority level; beyond it submissions are refused with OVERLOADED. */
  maxQueueSize: number;
  /** A queue bound of their own for some priority levels (default: maxQueueSize each). */
  priorityQueueSizes?: Partial<Record<Priority, number>>;
  /** A waiting row ranks one priority level higher per this many ms waited, so none starves (default 1000). */
  priorityAgingMs?: number;
  /** Default deadline of a row, from submission. A request may shorten it, never lengthen it. */
  timeoutMs: number;
  /**
   * Dynamic batching across requests (default true). False runs each request's rows as their own
   * batch, never merged with other requests' (one model run per request, like Triton without
   * `dynamic_batching`): the per-request pattern, kept for comparison and benchmarks.
   */
  dynamic?: boolean;
}

export interface WarmupConfig {
  /** Row counts of the warm-up batches, run in order. */
  batchSizes: number[];
}

const TASKS: readonly Task[] = ['classification', 'regression', 'embedding'];
const OUTPUT_KINDS: readonly OutputKind[] = ['probabilities', 'logits', 'regression', 'embedding'];
const PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu', 'tensorrt'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A config.json that does not satisfy the contract; the message names the offending field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Checks a parsed config.json against the contract and fills defaults. Throws a ConfigError naming
 * the field (`inputs[0].fields[2].min`) on the first problem.
 */
export function parseModelConfig(json: unknown): ModelConfig {
  const c = object(json, 'config');
  const config: ModelConfig = {
    description: string(c.description, 'description'),
    task: oneOf(c.task, TASKS, 'task'),
    inputs: array(c.inputs, 'inputs').map((input, i) => parseInput(input, `inputs[${i}]`)),
    outputs: Object.fromEntries(
      Object.entries(object(c.outputs, 'outputs')).map(([name, output]) => [fieldName(name, `outputs.${name}`), parseOutput(output, `outputs.${name}`)]),
    ),
    batching: parseBatching(c.batching),
    instances: c.instances === undefined ? 1 : integer(c.instances, 'instances', 1, 64),
  };
  if (config.inputs.length === 0) throw new ConfigError('inputs: at least one input tensor is required');
  if (Object.keys(config.outputs).length === 0) throw new ConfigError('outputs: at least one output is required');
  unique(config.inputs.map((input) => input.tensor), 'inputs[].tensor');
  unique(config.inputs.flatMap((input) => input.fields.map((field) => field.name)), 'inputs[].fields[].name');
  if (c.labels !== undefined) config.labels = array(c.labels, 'labels').map((label, i) => string(label, `labels[${i}]`));
  if (c.threshold !== undefined) config.threshold = number(c.threshold, 'threshold', 0, 1);
  if (c.threadsPerInstance !== undefined) config.threadsPerInstance = integer(c.threadsPerInstance, 'threadsPerInstance', 1, 256);
  if (c.executionProviders !== undefined) {
    config.executionProviders = array(c.executionProviders, 'executionProviders').map((p, i) => oneOf(p, PROVIDERS, `executionProviders[${i}]`));
  }
  if (c.allowCpuFallback !== undefined) config.allowCpuFallback = boolean(c.allowCpuFallback, 'allowCpuFallback');
  if (c.warmup !== undefined) {
    const w = object(c.warmup, 'warmup');
    config.warmup = {
      batchSizes: array(w.batchSizes, 'warmup.batchSizes').map((n, i) => integer(n, `warmup.batchSizes[${i}]`, 1, config.batching.maxBatchSize)),
    };
  }
  if (c.entities !== undefined) config.entities = parseEntities(c.entities, config.inputs);
  const known = new Set(['description', 'task', 'inputs', 'outputs', 'labels', 'threshold', 'batching', 'instances', 'threadsPerInstance', 'executionProviders', 'allowCpuFallback', 'warmup', 'entities']);
  for (const key of Object.keys(c)) if (!known.has(key)) throw new ConfigError(`${key}: unknown setting`);
  return config;
}

function parseInput(json: unknown, path: string): InputSpec {
  const i = object(json, path);
  const dtype = i.dtype === undefined ? 'float32' : oneOf(i.dtype, ['float32', 'float64', 'int32', 'int64', 'bool', 'string'] as const, `${path}.dtype`);
  const fields = array(i.fields, `${path}.fields`).map((field, k) => parseField(field, `${path}.fields[${k}]`));
  if (fields.length === 0) throw new ConfigError(`${path}.fields: at least one field is required`);
  const input: InputSpec = { tensor: string(i.tensor, `${path}.tensor`), dtype, fields };
  const total = fields.reduce((n, field) => n + (field.length ?? 1), 0);
  if (i.shape !== undefined) {
    input.shape = array(i.shape, `${path}.shape`).map((d, k) => integer(d, `${path}.shape[${k}]`, 1, 1 << 30));
    const count = input.shape.reduce((n, d) => n * d, 1);
    if (count !== total) throw new ConfigError(`${path}.shape: [${input.shape.join(', ')}] holds ${count} elements but the fields hold ${total}`);
  }
  return input;
}

function parseField(json: unknown, path: string): FieldSpec {
  const f = object(json, path);
  const field: FieldSpec = { name: fieldName(f.name, `${path}.name`) };
  if (f.description !== undefined) field.description = string(f.description, `${path}.description`);
  if (f.unit !== undefined) field.unit = string(f.unit, `${path}.unit`);
  if (f.min !== undefined) field.min = number(f.min, `${path}.min`);
  if (f.max !== undefined) field.max = number(f.max, `${path}.max`);
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) throw new ConfigError(`${path}: min ${field.min} is greater than max ${field.max}`);
  if (f.length !== undefined) field.length = integer(f.length, `${path}.length`, 1, 1 << 30);
  if (f.default !== undefined) {
    if (!['number', 'string', 'boolean'].includes(typeof f.default)) throw new ConfigError(`${path}.default: must be a number, string or boolean`);
    if (field.length !== undefined) throw new ConfigError(`${path}.default: vector fields cannot have a default`);
    field.default = f.default as number | string | boolean;
  }
  return field;
}

function parseOutput(json: unknown, path: string): OutputSpec {
  const o = object(json, path);
  const output: OutputSpec = { tensor: string(o.tensor, `${path}.tensor`), kind: oneOf(o.kind, OUTPUT_KINDS, `${path}.kind`) };
  if (o.description !== undefined) output.description = string(o.description, `${path}.description`);
  if (o.unit !== undefined) output.unit = string(o.unit, `${path}.unit`);
  return output;
}

function parseEntities(json: unknown, inputs: readonly InputSpec[]): EntitySpec[] {
  const fields = inputs.flatMap((input) => input.fields.map((field) => field.name));
  const entities = array(json, 'entities').map((entry, i): EntitySpec => {
    const path = `entities[${i}]`;
    const e = object(entry, path);
    for (const key of Object.keys(e)) if (!['type', 'key', 'field', 'inputs'].includes(key)) throw new ConfigError(`${path}.${key}: unknown setting`);
    const type = fieldName(e.type, `${path}.type`);
    const key = string(e.key, `${path}.key`).trim();
    const keyFields = key.split(/\s+/);
    for (const name of keyFields) if (!NAME.test(name)) throw new ConfigError(`${path}.key: "${key}" must be field names separated by spaces (nested keys are not supported)`);
    const field = e.field === undefined ? 'prediction' : fieldName(e.field, `${path}.field`);
    const given = e.inputs === undefined ? {} : object(e.inputs, `${path}.inputs`);
    for (const name of Object.keys(given)) if (!fields.includes(name)) throw new ConfigError(`${path}.inputs.${name}: the model has no input field "${name}"`);
    const mapping = Object.fromEntries(fields.map((name) => [name, given[name] === undefined ? name : fieldName(given[name], `${path}.inputs.${name}`)]));
    unique(Object.values(mapping), `${path}.inputs`);
    if (keyFields.includes(field) || Object.values(mapping).includes(field)) throw new ConfigError(`${path}.field: "${field}" is also a key or input field of ${type}`);
    return { type, key: keyFields.join(' '), field, inputs: mapping };
  });
  unique(entities.map((e) => e.type), 'entities[].type');
  return entities;
}

function parseBatching(json: unknown): BatchingConfig {
  const b = object(json, 'batching');
  return {
    maxBatchSize: integer(b.maxBatchSize, 'batching.maxBatchSize', 1, 1 << 20),
    maxQueueDelayMicros: b.maxQueueDelayMicros === undefined ? 0 : integer(b.maxQueueDelayMicros, 'batching.maxQueueDelayMicros', 0, 10_000_000),
    maxQueueSize: integer(b.maxQueueSize, 'batching.maxQueueSize', 1, 1 << 24),
    timeoutMs: integer(b.timeoutMs, 'batching.timeoutMs', 1, 3_600_000),
    ...(b.dynamic !== undefined ? { dynamic: boolean(b.dynamic, 'batching.dynamic') } : {}),
    ...(b.priorityAgingMs !== undefined ? { priorityAgingMs: integer(b.priorityAgingMs, 'batching.priorityAgingMs', 1, 3_600_000) } : {}),
    ...(b.priorityQueueSizes !== undefined ? { priorityQueueSizes: parseQueueSizes(b.priorityQueueSizes) } : {}),
  };
}

function parseQueueSizes(json: unknown): Partial<Record<Priority, number>> {
  const sizes = object(json, 'batching.priorityQueueSizes');
  return Object.fromEntries(
    Object.entries(sizes).map(([level, size]) => [oneOf(level, PRIORITIES, 'batching.priorityQueueSizes'), integer(size, `batching.priorityQueueSizes.${level}`, 1, 1 << 24)]),
  );
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${path}: must be an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ConfigError(`${path}: must be an array`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${path}: must be a non-empty string`);
  return value;
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(`${path}: must be true or false`);
  return value;
}

function number(value: unknown, path: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(`${path}: must be a finite number`);
  if (value < min || value > max) throw new ConfigError(`${path}: must be between ${min} and ${max}, got ${value}`);
  return value;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (!Number.isInteger(value)) throw new ConfigError(`${path}: must be an integer`);
  return number(value, path, min, max);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (!allowed.includes(value as T)) throw new ConfigError(`${path}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function fieldName(value: unknown, path: string): string {
  const name = string(value, path);
  if (!NAME.test(name)) throw new ConfigError(`${path}: "${name}" is not a valid GraphQL name`);
  return name;
}

function unique(values: string[], path: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new ConfigError(`${path}: "${value}" appears twice`);
    seen.add(value);
  }
}
