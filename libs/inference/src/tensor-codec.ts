import { allocateRows, DTYPES, view, type DType, type TensorData } from './dtypes.js';
import { checkElement, firstOutside, isVector, setElement } from './element-checks.js';
import { badInput, type InferenceError } from './errors.js';
import type { FieldSpec, InputSpec, ModelConfig } from './model-config.js';
import type { Row, RowTensor } from './row-batches.js';

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
