/** Element checks shared by the codecs: whether a value fits a field's dtype and range, and its packing. */
import { DTYPES, type DType, type TensorData } from './dtypes.js';
import type { FieldSpec } from './model-config.js';

/** Longest string accepted in a string field, in UTF-16 code units. */
export const MAX_STRING_LENGTH = 65_536;

/**
 * The index of the first element of `values` that is not a finite number within the field's range,
 * or `values.length` when all are: one tight loop over the common case, before the per-element
 * checks (which then run from that index only, for their message).
 */
export function firstOutside(values: ArrayLike<unknown>, field: FieldSpec): number {
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

export function isVector(value: unknown): value is ArrayLike<unknown> {
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

export function setElement(dtype: DType, target: TensorData, at: number, value: unknown): void {
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
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  return typeof value;
}
