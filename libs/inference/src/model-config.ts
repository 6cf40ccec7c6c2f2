import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from './config-error.js';
import type { DType } from './dtypes.js';
import type { Priority } from './priority-queues.js';

/**
 * The contract of one model as `models/<name>/config.json` holds it; `models/config.schema.json`
 * is its JSON Schema (validation here, completion in editors). Optional settings may be left out.
 */
export interface ModelConfigJson {
  $schema?: string;
  description: string;
  task: Task;
  inputs: Array<{ tensor: string; dtype?: DType; shape?: number[]; fields: FieldJson[] }>;
  outputs: Record<string, OutputSpec>;
  labels?: string[];
  threshold?: number;
  batching: Omit<BatchingConfig, 'maxQueueDelayMicros' | 'dynamic'> & {
    maxQueueDelayMicros?: number;
    dynamic?: boolean;
  };
  instances?: number;
  threadsPerInstance?: number;
  executionProviders?: ExecutionProvider[];
  allowCpuFallback?: boolean;
  warmup?: WarmupConfig;
  entities?: Array<{ type: string; key: string; field?: string; inputs?: Record<string, string> }>;
}

type FieldJson = Omit<FieldSpec, 'offset' | 'size'>;

/**
 * The parsed contract, every default filled in: what the codecs, the signature check, the schema
 * and model info read. The API's GraphQL types are generated from it, and every input is validated
 * against it before a tensor is allocated.
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
  /** For binary classification with one score: the decision threshold. */
  threshold: number;
  batching: BatchingConfig;
  /** Worker threads, each holding one session (Triton's instance_group count). */
  instances: number;
  /** onnxruntime intra-op threads per session; absent: the cores divided by instances, at load. */
  threadsPerInstance?: number;
  /** Providers in order of preference. */
  executionProviders: ExecutionProvider[];
  /** When a GPU provider fails to initialise: load on CPU (logged, shown in model info) or fail. */
  allowCpuFallback: boolean;
  /** Batches run before the model reports ready. */
  warmup: WarmupConfig;
  /**
   * Entities of other services that this model extends with a prediction field, when the API runs as
   * a federation subgraph (`FEDERATION=true`): the field is predicted from the entity's own fields.
   */
  entities?: EntitySpec[];
}

export type Task = 'classification' | 'regression' | 'embedding';
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'tensorrt';

/**
 * One ONNX input tensor and its row layout, the one both codecs, the signature check and model
 * info read: per-row shape `shape` (default `[size]`) of `size` elements, its fields laid out in
 * order along the row. So iris has four scalar fields → `[batch, 4]`, and mnist one vector field
 * of length 784 → `[batch, 784]`.
 */
export interface InputSpec {
  tensor: string;
  dtype: DType;
  /** Per-row shape (without the batch axis). */
  shape: number[];
  /** Elements per row: the fields' total length. */
  size: number;
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
  /** Where the field starts in the row, in elements. */
  offset: number;
  /** Elements the field takes: `length`, or 1 for a scalar. */
  size: number;
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
  /** How long an under-full batch may wait for more rows once an instance is idle. */
  maxQueueDelayMicros: number;
  /** Most rows waiting at each priority level; beyond it submissions are refused with OVERLOADED. */
  maxQueueSize: number;
  /** A queue bound of their own for some priority levels (default: maxQueueSize each). */
  priorityQueueSizes?: Partial<Record<Priority, number>>;
  /** A waiting row ranks one priority level higher per this many ms waited, so none starves (default 1000). */
  priorityAgingMs?: number;
  /** Most rows below the highest level waiting in one batch (default: maxBatchSize / 8, rounded up; see the batcher). */
  lowPriorityMaxBatch?: number;
  /** Instances kept for batches with high-priority rows (default 0; fewer than `instances`; see the batcher). */
  highPriorityInstances?: number;
  /** Default deadline of a row, from submission. A request may shorten it, never lengthen it. */
  timeoutMs: number;
  /**
   * Dynamic batching across requests. False runs each request's rows as their own batch, never
   * merged with other requests' (one model run per request, like Triton without
   * `dynamic_batching`): the per-request pattern, kept for comparison and benchmarks.
   */
  dynamic: boolean;
}

export interface WarmupConfig {
  /** Row counts of the warm-up batches, run in order. */
  batchSizes: number[];
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

const SCHEMA = JSON.parse(
  readFileSync(new URL('../../../models/config.schema.json', import.meta.url), 'utf8'),
) as object;
// useDefaults fills the schema's `default`s into the (cloned) document as it validates.
const validate = new Ajv({
  useDefaults: true,
  verbose: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
}).compile<ModelConfigJson>(SCHEMA);

/**
 * Checks a parsed config.json against the contract (models/config.schema.json, then the rules a
 * schema cannot state) and fills every default. Throws a ConfigError naming the field
 * (`inputs[0].fields[2].min`) on the first problem.
 */
export function parseModelConfig(json: unknown): ModelConfig {
  const c = structuredClone(json);
  if (!validate(c)) throw new ConfigError(describe((validate.errors ?? [])[0]));
  const inputs = c.inputs.map((input, i): InputSpec => {
    let offset = 0;
    const fields = input.fields.map((field, k): FieldSpec => {
      if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
        throw new ConfigError(`inputs[${i}].fields[${k}]: min ${field.min} is greater than max ${field.max}`);
      }
      const size = field.length ?? 1;
      offset += size;
      return { ...field, offset: offset - size, size };
    });
    const shape = input.shape ?? [offset];
    const count = shape.reduce((n, d) => n * d, 1);
    if (count !== offset)
      throw new ConfigError(
        `inputs[${i}].shape: [${shape.join(', ')}] holds ${count} elements but the fields hold ${offset}`,
      );
    return { tensor: input.tensor, dtype: input.dtype ?? 'float32', shape, size: offset, fields };
  });
  unique(
    inputs.map((input) => input.tensor),
    'inputs[].tensor',
  );
  const fieldNames = inputs.flatMap((input) => input.fields.map((field) => field.name));
  unique(fieldNames, 'inputs[].fields[].name');
  const { maxBatchSize } = c.batching;
  const warmup = c.warmup ?? { batchSizes: [1, maxBatchSize] };
  warmup.batchSizes.forEach((n, i) => {
    if (n > maxBatchSize)
      throw new ConfigError(
        `warmup.batchSizes[${i}]: must be at most batching.maxBatchSize (${maxBatchSize}), got ${n}`,
      );
  });
  const { $schema: _schema, entities, ...rest } = c;
  return {
    ...rest,
    inputs,
    threshold: c.threshold ?? 0.5,
    batching: {
      ...c.batching,
      maxQueueDelayMicros: c.batching.maxQueueDelayMicros ?? 0,
      dynamic: c.batching.dynamic ?? true,
    },
    instances: c.instances ?? 1,
    executionProviders: c.executionProviders ?? ['cpu'],
    allowCpuFallback: c.allowCpuFallback ?? false,
    warmup,
    ...(entities ? { entities: parseEntities(entities, fieldNames) } : {}),
  };
}

/** The rules of `entities` a schema cannot state: inputs name model fields, no name used twice. */
function parseEntities(json: NonNullable<ModelConfigJson['entities']>, fieldNames: readonly string[]): EntitySpec[] {
  const entities = json.map((entity, i): EntitySpec => {
    const path = `entities[${i}]`;
    const keyFields = entity.key.trim().split(/\s+/);
    const field = entity.field ?? 'prediction';
    const given = entity.inputs ?? {};
    for (const name of Object.keys(given)) {
      if (!fieldNames.includes(name))
        throw new ConfigError(`${path}.inputs.${name}: the model has no input field "${name}"`);
    }
    const inputs = Object.fromEntries(fieldNames.map((name) => [name, given[name] ?? name]));
    unique(Object.values(inputs), `${path}.inputs`);
    if (keyFields.includes(field) || Object.values(inputs).includes(field)) {
      throw new ConfigError(`${path}.field: "${field}" is also a key or input field of ${entity.type}`);
    }
    return { type: entity.type, key: keyFields.join(' '), field, inputs };
  });
  unique(
    entities.map((e) => e.type),
    'entities[].type',
  );
  return entities;
}

/** One ajv error as `path: reason`, the path in the contract's own notation (`inputs[0].fields[2]`). */
function describe(error: ErrorObject | undefined): string {
  if (!error) return 'config: invalid';
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
  const at = (child: string) => (path ? `${path}.${child}` : child);
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at(String(error.params.additionalProperty))}: unknown setting`;
    case 'required':
      return `${at(String(error.params.missingProperty))}: is required`;
    case 'enum':
      return `${path}: must be one of ${(error.params.allowedValues as unknown[]).join(', ')}, got ${JSON.stringify(error.data)}`;
    case 'pattern':
      if (path.endsWith('.key'))
        return `${path}: ${JSON.stringify(error.data)} must be field names separated by spaces (nested keys are not supported)`;
      return `${path}: ${JSON.stringify(error.data)} is not a valid GraphQL name`;
    case 'propertyNames':
      return `${path}: ${JSON.stringify(error.params.propertyName)} is not a valid GraphQL name`;
    case 'not':
      return `${path}.default: vector fields cannot have a default`;
    case 'minItems':
      return `${path}: at least ${error.params.limit} ${error.params.limit === 1 ? 'entry is' : 'entries are'} required`;
    default:
      return `${path || 'config'}: ${error.message}`;
  }
}

function unique(values: string[], path: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new ConfigError(`${path}: "${value}" appears twice`);
    seen.add(value);
  }
}
