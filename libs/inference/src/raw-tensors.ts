import { setImmediate as nextTurn } from 'node:timers/promises';
import { DTYPES, allocate, elementCount, isDType, toPlain, view, type DType, type TensorData } from './dtypes.js';
import { badInput } from './errors.js';
import { isSymbolic } from './signature.js';
import { rowKey, type Row, type RowOutput, type RowTensor } from './row-batches.js';
import type { TensorSignature } from './worker-protocol.js';

/** Elements converted or checked per event-loop turn: a few milliseconds of work. */
const SLICE_ELEMENTS = 1 << 20;

/** One raw input tensor, batch axis first; its elements in exactly one of the four forms. */
export interface RawTensorInput {
  name: string;
  shape: readonly number[];
  values?: readonly number[] | null;
  strings?: readonly string[] | null;
  booleans?: readonly boolean[] | null;
  /** Little-endian bytes of the input's dtype. */
  base64?: string | null;
}

/** One raw output tensor, batch axis first (int64 as numbers). */
export interface RawTensorOutput {
  name: string;
  dtype: string;
  shape: number[];
  values?: number[];
  strings?: string[];
  booleans?: boolean[];
}

const bad = (field: string, reason: string) => badInput(0, field, reason);

/**
 * Checks raw tensors against the model signature (names, dtype, dims, element count, finiteness)
 * and cuts them into rows along the batch axis. Throws BAD_USER_INPUT naming the field.
 */
export async function rowsFromTensors(
  signature: readonly TensorSignature[],
  inputs: readonly RawTensorInput[],
): Promise<Row[]> {
  const given = new Map(inputs.map((input) => [input.name, input]));
  for (const input of inputs) {
    if (!signature.some((s) => s.name === input.name))
      throw bad(
        `inputs.${input.name}`,
        `the model has no such input; its inputs are ${signature.map((s) => s.name).join(', ')}`,
      );
  }
  let batch: number | undefined;
  const tensors: Array<{ name: string; dtype: DType; dims: number[]; data: TensorData }> = [];
  for (const spec of signature) {
    const input = given.get(spec.name);
    const field = `inputs.${spec.name}`;
    if (!input) throw bad(field, 'is required');
    if (!isDType(spec.type)) throw bad(field, `has dtype ${spec.type}, which this API cannot send`);
    const dtype: DType = spec.type;
    if (input.shape.length !== spec.shape.length)
      throw bad(`${field}.shape`, `must have ${spec.shape.length} dims, got ${input.shape.length}`);
    input.shape.forEach((d, k) => {
      if (!Number.isInteger(d) || d < (k === 0 ? 1 : 0))
        throw bad(`${field}.shape[${k}]`, `must be a positive integer, got ${d}`);
      if (!isSymbolic(spec.shape[k]) && spec.shape[k] !== d)
        throw bad(`${field}.shape[${k}]`, `must be ${spec.shape[k]}, got ${d}`);
    });
    if (batch !== undefined && input.shape[0] !== batch)
      throw bad(`${field}.shape[0]`, `must equal the batch size of the other inputs, ${batch}`);
    batch = input.shape[0];
    tensors.push({
      name: spec.name,
      dtype,
      dims: input.shape.slice(1),
      data: await decode(field, dtype, input, elementCount(input.shape)),
    });
  }
  // Where the signature fixes every per-row dim, every row has the one shape that contract rows
  // have too (key ''), so raw rows share batches with them; open dims need the key to keep apart.
  const fixed = signature.every((spec) => spec.shape.slice(1).every((d) => !isSymbolic(d)));
  const rows: Row[] = [];
  for (let i = 0; i < (batch ?? 0); i++) {
    const row: Record<string, RowTensor> = {};
    for (const t of tensors) {
      const per = elementCount(t.dims);
      row[t.name] = { dtype: t.dtype, dims: t.dims, data: view(t.data, i * per, (i + 1) * per) };
    }
    rows.push({ tensors: row, key: fixed ? '' : rowKey(row) });
  }
  return rows;
}

/** Concatenates row outputs back into batch tensors. */
export function tensorsFromRows(rows: readonly RowOutput[]): RawTensorOutput[] {
  if (rows.length === 0) return [];
  return Object.entries(rows[0]).map(([name, first]) => {
    const values = rows.flatMap((row) => toPlain(row[name].dtype, row[name].data));
    const output: RawTensorOutput = { name, dtype: first.dtype, shape: [rows.length, ...first.dims] };
    if (first.dtype === 'string') output.strings = values as string[];
    else if (first.dtype === 'bool') output.booleans = values as boolean[];
    else output.values = values as number[];
    return output;
  });
}

/** The elements of one input in its dtype, after checking their count and finiteness. */
async function decode(field: string, dtype: DType, input: RawTensorInput, count: number): Promise<TensorData> {
  const forms = [input.values, input.strings, input.booleans, input.base64].filter(
    (f) => f !== undefined && f !== null,
  );
  if (forms.length !== 1) throw bad(field, 'give its elements in exactly one of values, strings, booleans or base64');
  const kind = DTYPES[dtype].kind;
  if (input.base64 !== undefined && input.base64 !== null) {
    if (kind === 'string' || kind === 'boolean')
      throw bad(`${field}.base64`, `is only for numeric dtypes, not ${dtype}`);
    const bytes = Buffer.from(input.base64, 'base64');
    if (bytes.length !== count * DTYPES[dtype].bytes)
      throw bad(
        `${field}.base64`,
        `must decode to ${count * DTYPES[dtype].bytes} bytes (${count} × ${dtype}), got ${bytes.length}`,
      );
    const data = allocate(dtype, count) as Float32Array;
    new Uint8Array(data.buffer).set(bytes);
    await checkFinite(field, data);
    return data;
  }
  const list = (input.values ?? input.strings ?? input.booleans) as readonly unknown[];
  if (list.length !== count)
    throw bad(field, `must have ${count} elements for shape [${input.shape.join(', ')}], got ${list.length}`);
  const expected = kind === 'string' ? 'strings' : kind === 'boolean' ? 'booleans' : 'values';
  if (input[expected] === undefined || input[expected] === null)
    throw bad(field, `is ${dtype}: give its elements as ${expected}`);
  const data = allocate(dtype, count);
  // Numbers are converted by typed-array copies (the same conversion as one assignment each), a
  // slice per event-loop turn: a raw tensor at the row limit holds millions.
  if (kind === 'integer' || kind === 'number') {
    const numbers = list as ArrayLike<number>;
    for (let start = 0; start < count; start += SLICE_ELEMENTS) {
      if (start > 0) await nextTurn();
      const end = Math.min(count, start + SLICE_ELEMENTS);
      const part = ArrayBuffer.isView(numbers)
        ? (numbers as Float64Array).subarray(start, end)
        : (numbers as number[]).slice(start, end);
      (data as Float32Array).set(part, start);
    }
    await checkFinite(field, data as Float32Array);
    return data;
  }
  for (let i = 0; i < count; i++) {
    const v = list[i];
    if (kind === 'string') (data as string[])[i] = v as string;
    else if (kind === 'boolean') (data as Uint8Array)[i] = v ? 1 : 0;
    else if (kind === 'bigint') {
      if (!Number.isSafeInteger(v)) throw bad(`${field}[${i}]`, `must be an integer, got ${v}`);
      (data as BigInt64Array)[i] = BigInt(v as number);
    } else (data as Float32Array)[i] = v as number;
  }
  return data;
}

/** Throws BAD_USER_INPUT at the first element that is not finite; a slice per event-loop turn. */
async function checkFinite(field: string, data: ArrayLike<number | bigint>): Promise<void> {
  // Integer arrays hold only finite values; a float's x - x is 0 when finite, NaN otherwise.
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) return;
  for (let start = 0; start < data.length; start += SLICE_ELEMENTS) {
    if (start > 0) await nextTurn();
    const end = Math.min(data.length, start + SLICE_ELEMENTS);
    checkFloats(field, data, start, end);
  }
}

function checkFloats(field: string, data: Float32Array | Float64Array, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const v = data[i];
    if (v - v !== 0) throw bad(`${field}[${i}]`, `must be a finite number, got ${v}`);
  }
}
