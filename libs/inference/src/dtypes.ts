/**
 * The one table of tensor element types. Everything that packs, unpacks or describes a tensor reads
 * it here, so no other module hard-codes a dtype.
 */
export const DTYPES = {
  float32: { array: Float32Array, bytes: 4, kind: 'number' },
  float64: { array: Float64Array, bytes: 8, kind: 'number' },
  int32: { array: Int32Array, bytes: 4, kind: 'integer' },
  int64: { array: BigInt64Array, bytes: 8, kind: 'bigint' },
  bool: { array: Uint8Array, bytes: 1, kind: 'boolean' },
  string: { array: Array, bytes: 0, kind: 'string' },
} as const;

export type DType = keyof typeof DTYPES;

/** Element storage of a tensor of any supported dtype. */
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | string[];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(DTYPES, value);
}

/** A zeroed buffer of `length` elements of `dtype`. */
export function allocate(dtype: DType, length: number): TensorData {
  if (dtype === 'string') return new Array<string>(length).fill('');
  return new DTYPES[dtype].array(length);
}

/**
 * Buffers the library's codecs allocated to pack rows. Only these may be moved to a worker whole
 * (and so emptied); rows that a caller built from its own arrays are copied, leaving them intact.
 */
const packedBuffers = new WeakSet<ArrayBufferLike>();

/** A zeroed buffer like `allocate`'s, owned by the library, so a batch may take it without a copy. */
export function allocatePacked(dtype: DType, length: number): TensorData {
  const data = allocate(dtype, length);
  if (!Array.isArray(data)) packedBuffers.add(data.buffer);
  return data;
}

/**
 * Rows of fewer bytes than this are packed into a view of a shared slab, not a buffer of their own:
 * a fresh ArrayBuffer costs more than the packing (lab notes in 8efe387), and a batch of rows
 * from several requests is copied anyway. Larger rows (a bulk request's) keep a buffer of their
 * own, which a batch of exactly those rows takes whole.
 */
const SMALL_ROWS_BYTES = 16 * 1024;
const SLAB_BYTES = 256 * 1024;
const slabs = new Map<DType, { data: Exclude<TensorData, string[]>; used: number }>();

/**
 * A zeroed buffer of `length` elements for a codec's rows: `allocatePacked`'s when large; a view of a
 * shared slab (not packed, so a batch copies it) when under SMALL_ROWS_BYTES.
 */
export function allocateRows(dtype: DType, length: number): TensorData {
  if (dtype === 'string' || length * DTYPES[dtype].bytes >= SMALL_ROWS_BYTES) return allocatePacked(dtype, length);
  let slab = slabs.get(dtype);
  if (slab === undefined || slab.used + length > slab.data.length) {
    slab = { data: allocate(dtype, SLAB_BYTES / DTYPES[dtype].bytes) as Exclude<TensorData, string[]>, used: 0 };
    slabs.set(dtype, slab);
  }
  const data = slab.data.subarray(slab.used, slab.used + length);
  slab.used += length;
  return data;
}

/**
 * Hands a buffer to the library as if `allocatePacked` had made it: for rows packed in another
 * thread and moved here (see `rowsOfBatch`), which no caller holds any more.
 */
export function adoptPacked(data: TensorData): void {
  if (!Array.isArray(data)) packedBuffers.add(data.buffer);
}

/** Whether `data` views a buffer from `allocatePacked`. */
export function isPacked(data: TensorData): boolean {
  return !Array.isArray(data) && packedBuffers.has(data.buffer);
}

/** Elements `[start, end)` of `data` without copying (a view for typed arrays). */
export function view(data: TensorData, start: number, end: number): TensorData {
  return Array.isArray(data) ? data.slice(start, end) : data.subarray(start, end);
}

/** Copies `source` into `target` at element `offset`. */
export function copyInto(target: TensorData, source: TensorData, offset: number): void {
  if (Array.isArray(target)) {
    for (let i = 0; i < source.length; i++) target[offset + i] = (source as string[])[i];
  } else {
    (target as Float32Array).set(source as Float32Array, offset);
  }
}

/** Plain JSON-safe numbers (or strings/booleans) from a tensor's elements; int64 becomes number. */
export function toPlain(dtype: DType, data: TensorData): Array<number | string | boolean> {
  switch (dtype) {
    case 'string':
      return [...(data as string[])];
    case 'bool':
      return Array.from(data as Uint8Array, (v) => v !== 0);
    case 'int64':
      return Array.from(data as BigInt64Array, (v) => Number(v));
    case 'float32':
    case 'float64':
    case 'int32': {
      // A counted loop: Array.from goes through the iterator protocol, slow for the many short
      // output rows of a big batch.
      const numbers = data as Float32Array;
      const plain = new Array<number>(numbers.length);
      for (let i = 0; i < numbers.length; i++) plain[i] = numbers[i];
      return plain;
    }
  }
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
