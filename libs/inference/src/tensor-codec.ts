import {
  adoptPacked,
  allocate,
  allocateRows,
  copyInto,
  DTYPES,
  elementCount,
  isPacked,
  view,
  type DType,
  type TensorData,
} from './dtypes.js';
import { badInput, type InferenceError } from './errors.js';
import type { FieldSpec, InputSpec, ModelConfig } from './model-config.js';
import type { WireTensors } from './worker-protocol.js';

/** One row of one input tensor: its per-row dims (no batch axis) and elements. */
export interface RowTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/** One row of every input tensor of a model: the unit the batcher queues. */
export interface Row {
  readonly tensors: Readonly<Record<string, RowTensor>>;
  /** Rows with different keys (different per-row shapes) never share a batch. */
  readonly key: string;
}

/** One row of every output tensor: views into the batch's output buffers. */
export type RowOutput = Readonly<Record<string, RowTensor>>;

/** Longest string accepted in a string field, in UTF-16 code units. */
export const MAX_STRING_LENGTH = 65_536;

/** The shape key of a row: its per-row dims per tensor. */
export function rowKey(tensors: Readonly<Record<string, RowTensor>>): string {
  let key = '';
  for (const name in tensors) key += `${name}:${tensors[name].dims.join('x')};`;
  return key;
}

/**
 * Packs rows (all with the same shape key) into one batch tensor per input, batch axis first. When
 * the rows are, in order, the whole of one buffer (a request's rows packed by a codec, batched
 * together), that buffer is the batch: nothing is copied, and since batches are moved to the worker
 * thread, the rows' views are empty afterwards. Only buffers the codecs allocated (`allocatePacked`)
 * are taken so: rows a caller built from its own arrays are copied and stay usable.
 */
export function assembleBatch(rows: readonly Row[]): WireTensors {
  const feeds: WireTensors = {};
  for (const [name, first] of Object.entries(rows[0].tensors)) {
    const perRow = elementCount(first.dims);
    let data = wholeBuffer(rows, name, perRow);
    if (!data) {
      const target = allocate(first.dtype, rows.length * perRow);
      rows.forEach((row, i) => copyInto(target, row.tensors[name].data, i * perRow));
      data = target;
    }
    feeds[name] = { dtype: first.dtype, dims: [rows.length, ...first.dims], data };
  }
  return feeds;
}

/**
 * The inverse of `assembleBatch`: the rows of a batch (batch axis first), each a view into its
 * buffers. For rows encoded in another thread (the scoring CLI's parse workers) and moved here: the
 * buffers become the library's, so a batch of exactly these rows takes them whole again, uncopied.
 */
export function rowsOfBatch(feeds: WireTensors): Row[] {
  const names = Object.keys(feeds);
  if (names.length === 0) return [];
  for (const name of names) adoptPacked(feeds[name].data);
  return splitBatch(feeds, feeds[names[0]].dims[0]).map((tensors) => ({ tensors, key: '' }));
}

/** The buffer of tensor `name` when the rows are exactly its consecutive views, start to end, as a view of it all. */
function wholeBuffer(rows: readonly Row[], name: string, perRow: number): TensorData | undefined {
  const first = rows[0].tensors[name].data;
  if (!isPacked(first)) return undefined;
  const typed = first as Float32Array;
  const rowBytes = perRow * typed.BYTES_PER_ELEMENT;
  if (typed.byteOffset !== 0 || typed.buffer.byteLength !== rows.length * rowBytes || rows.length * rowBytes === 0)
    return undefined;
  for (let i = 0; i < rows.length; i++) {
    const data = rows[i].tensors[name].data as Float32Array;
    if (data.buffer !== typed.buffer || data.byteOffset !== i * rowBytes || data.length !== perRow) return undefined;
  }
  return rows.length === 1
    ? typed
    : new (typed.constructor as Float32ArrayConstructor)(typed.buffer as ArrayBuffer, 0, rows.length * perRow);
}

/** Splits batch outputs (batch axis first) into `count` rows of views, by offset. */
export function splitBatch(outputs: WireTensors, count: number): RowOutput[] {
  const rows: Array<Record<string, RowTensor>> = Array.from({ length: count }, () => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    if (tensor.dims[0] !== count) throw new Error(`output ${name} has ${tensor.dims[0]} rows for a batch of ${count}`);
    const dims = tensor.dims.slice(1);
    const perRow = elementCount(dims);
    for (let i = 0; i < count; i++) {
      const start = i * perRow;
      rows[i][name] = { dtype: tensor.dtype, dims, data: view(tensor.data, start, start + perRow) };
    }
  }
  return rows;
}

/** A field's place in its tensor's row. */
interface Slot {
  field: FieldSpec;
  offset: number;
  length: number;
}

interface TensorPlan {
  spec: InputSpec;
  dtype: DType;
  /** float32 or float64: vectors are checked by one bounds loop and copied in one call. */
  floating: boolean;
  dims: number[];
  perRow: number;
  slots: Slot[];
}

/**
 * Turns contract-shaped items (`{ sepalLength: 5.1, … }`, `{ pixels: [...] }`) into rows. Every item
 * is checked against the contract before anything is allocated; the valid ones are then packed into
 * one buffer per tensor, and each row is a view into it.
 */
export class ContractCodec {
  private readonly plans: TensorPlan[];
  private readonly fieldNames: Set<string>;

  constructor(config: ModelConfig) {
    this.plans = config.inputs.map((spec) => {
      const slots = spec.fields.map((field) => ({ field, offset: field.offset, length: field.size }));
      const { dtype } = spec;
      return { spec, dtype, floating: DTYPES[dtype].kind === 'number', dims: spec.shape, perRow: spec.size, slots };
    });
    this.fieldNames = new Set(config.inputs.flatMap((input) => input.fields.map((field) => field.name)));
  }

  /**
   * One Row, or one BAD_USER_INPUT error naming the item and field, per item. Items are numbered by
   * position in messages unless `indices` gives their numbers (a list index in a request, a line).
   */
  encode(items: readonly unknown[], indices?: readonly number[]): Array<Row | InferenceError> {
    // Plain loops, no callbacks: this runs per row on the hot path of the scoring CLI's parse threads.
    const results: Array<Row | InferenceError | undefined> = new Array(items.length);
    let valid = 0;
    for (let i = 0; i < items.length; i++) {
      const error = this.check(items[i], indices ? indices[i] : i);
      results[i] = error;
      if (error === undefined) valid++;
    }
    if (valid === 0) return results as InferenceError[];

    const plans = this.plans;
    const buffers = plans.map((plan) => allocateRows(plan.dtype, valid * plan.perRow));
    let row = 0;
    for (let i = 0; i < items.length; i++) {
      if (results[i] !== undefined) continue;
      const tensors: Record<string, RowTensor> = {};
      for (let p = 0; p < plans.length; p++) {
        const plan = plans[p];
        const start = row * plan.perRow;
        this.pack(plan, items[i] as Record<string, unknown>, buffers[p], start);
        tensors[plan.spec.tensor] = {
          dtype: plan.dtype,
          dims: plan.dims,
          data: view(buffers[p], start, start + plan.perRow),
        };
      }
      row++;
      results[i] = { tensors, key: '' };
    }
    return results as Array<Row | InferenceError>;
  }

  /** The first problem with one item, or undefined when it is valid. Allocates nothing. */
  private check(item: unknown, index: number): InferenceError | undefined {
    const bad = (field: string, reason: string) => badInput(index, field, reason);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return bad('(input)', 'must be an object');
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!this.fieldNames.has(key)) return bad(key, `unknown field; expected ${[...this.fieldNames].join(', ')}`);
    }
    for (const plan of this.plans) {
      for (const { field, length } of plan.slots) {
        const value = record[field.name];
        if (value === undefined || value === null) {
          if (field.default === undefined) return bad(field.name, 'is required');
          continue;
        }
        if (field.length === undefined) {
          const reason = checkElement(plan.dtype, field, value);
          if (reason) return bad(field.name, reason);
          continue;
        }
        if (!isVector(value)) return bad(field.name, `must be a list of ${length} values`);
        if (value.length !== length) return bad(field.name, `must have ${length} values, got ${value.length}`);
        for (let k = plan.floating ? firstOutside(value, field) : 0; k < length; k++) {
          const reason = checkElement(plan.dtype, field, value[k]);
          if (reason) return bad(`${field.name}[${k}]`, reason);
        }
      }
    }
    return undefined;
  }

  /** Writes one checked item's fields into `target` from element `start`. */
  private pack(plan: TensorPlan, item: Record<string, unknown>, target: TensorData, start: number): void {
    for (const { field, offset, length } of plan.slots) {
      const value = item[field.name] ?? field.default;
      if (field.length === undefined) {
        setElement(plan.dtype, target, start + offset, value);
      } else if ((plan.floating || ArrayBuffer.isView(value)) && !Array.isArray(target) && plan.dtype !== 'int64') {
        // One typed-array copy (V8 converts a plain array of numbers in bulk); the values are checked.
        (target as Float32Array).set(value as ArrayLike<number>, start + offset);
      } else {
        const list = value as ArrayLike<unknown>;
        for (let k = 0; k < length; k++) setElement(plan.dtype, target, start + offset + k, list[k]);
      }
    }
  }
}

/**
 * The index of the first element of `values` that is not a finite number within the field's range,
 * or `values.length` when all are: one tight loop over the common case, before the per-element
 * checks (which then run from that index only, for their message).
 */
function firstOutside(values: ArrayLike<unknown>, field: FieldSpec): number {
  // Bounds that also refuse NaN and ±Infinity (every comparison with NaN is false).
  const lo = field.min ?? -Number.MAX_VALUE;
  const hi = field.max ?? Number.MAX_VALUE;
  // Vectors read from JSON bytes are Float64Array views, plain lists are arrays, and the API sees both:
  // one loop for each keeps each monomorphic, which measured faster than one shared loop.
  if (values instanceof Float64Array) return firstOutsideOf(values, lo, hi);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (typeof v !== 'number' || !(v >= lo && v <= hi)) return k;
  }
  return values.length;
}

function firstOutsideOf(values: Float64Array, lo: number, hi: number): number {
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (!(v >= lo && v <= hi)) return k;
  }
  return values.length;
}

function isVector(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Why `value` cannot be an element of `dtype` within the field's range; undefined when it can. */
export function checkElement(dtype: DType, field: FieldSpec, value: unknown): string | undefined {
  switch (DTYPES[dtype].kind) {
    case 'string':
      if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
      if (value.length > MAX_STRING_LENGTH)
        return `must be at most ${MAX_STRING_LENGTH} characters, got ${value.length}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${describe(value)}`;
    case 'integer':
    case 'bigint':
    case 'number': {
      if (typeof value !== 'number') return `must be a number, got ${describe(value)}`;
      if (!Number.isFinite(value)) return `must be a finite number, got ${value}`;
      if (dtype === 'int32' && (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX))
        return `must be a 32-bit integer, got ${value}`;
      if (dtype === 'int64' && !Number.isSafeInteger(value)) return `must be an integer, got ${value}`;
      if (field.min !== undefined && value < field.min) return `must be ≥ ${field.min}, got ${value}`;
      if (field.max !== undefined && value > field.max) return `must be ≤ ${field.max}, got ${value}`;
      return undefined;
    }
  }
}

function setElement(dtype: DType, target: TensorData, at: number, value: unknown): void {
  switch (DTYPES[dtype].kind) {
    case 'string':
      (target as string[])[at] = value as string;
      return;
    case 'boolean':
      (target as Uint8Array)[at] = value ? 1 : 0;
      return;
    case 'bigint':
      (target as BigInt64Array)[at] = BigInt(value as number);
      return;
    case 'integer':
    case 'number':
      (target as Float32Array)[at] = value as number;
  }
}

/** A short description of a bad value's type, never the value itself when it could be large. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  return typeof value;
}
