import { DTYPES, type DType, type InputSpec, type LoadedModel, type Prediction } from '@mserve/inference';
import { allocate, elementCount } from '@mserve/inference/tensors';
import { RestRequestError } from './rest-common.js';

/** The protocol's datatype of each dtype of the library's dtype table. */
export const V2_DATATYPES = {
  float32: 'FP32',
  float64: 'FP64',
  int32: 'INT32',
  int64: 'INT64',
  bool: 'BOOL',
  string: 'BYTES',
} as const satisfies Record<DType, string>;

/** A tensor of a request or response as the protocol writes it. */
export interface V2Tensor {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data?: unknown[];
}

type Elements = ArrayLike<unknown>;

/** The protocol's datatype of an ONNX type name; a 500 would hide a contract that cannot be served, so it names the tensor. */
export function v2Datatype(type: string, tensor: string): string {
  if (!Object.hasOwn(DTYPES, type))
    throw new RestRequestError(
      `tensor ${tensor} has type ${type}, which this server cannot send`,
      500,
      'INTERNAL_SERVER_ERROR',
    );
  return V2_DATATYPES[type as DType];
}

/** The per-row dims of one contract input: its `shape`, else the sum of its field lengths. */
export function rowShape(spec: InputSpec): number[] {
  return spec.shape ?? [spec.fields.reduce((n, f) => n + (f.length ?? 1), 0)];
}

/**
 * The contract-shaped items of a request's input tensors: row i of every tensor, cut into the
 * contract's fields (`{ sepalLength: …, … }`, `{ pixels: [784 values] }`). The protocol's own
 * rules (names, datatypes, shapes, byte counts) are checked here; the values are left to the
 * contract's checks, the same as GraphQL's, so nothing is validated twice or differently.
 */
export function itemsOfTensors(
  model: LoadedModel,
  inputs: readonly V2Tensor[],
  binary: Buffer,
): Array<Record<string, unknown>> {
  const byName = new Map(inputs.map((input) => [input.name, input]));
  const expected = model.config.inputs.map((spec) => spec.tensor);
  for (const input of inputs) {
    if (!expected.includes(input.name))
      throw new RestRequestError(
        `input ${input.name}: model ${model.name} has no such input; its inputs are ${expected.join(', ')}`,
      );
  }
  let rows: number | undefined;
  let offset = 0;
  const columns = model.config.inputs.map((spec) => {
    const input = byName.get(spec.tensor);
    if (!input) throw new RestRequestError(`input ${spec.tensor} is required`);
    const dtype = spec.dtype ?? 'float32';
    if (input.datatype !== V2_DATATYPES[dtype])
      throw new RestRequestError(
        `input ${spec.tensor}: datatype must be ${V2_DATATYPES[dtype]}, got ${input.datatype}`,
      );
    const perRow = rowShape(spec);
    if (input.shape.length !== perRow.length + 1 || input.shape.slice(1).some((d, k) => d !== perRow[k])) {
      throw new RestRequestError(
        `input ${spec.tensor}: shape must be [-1, ${perRow.join(', ')}] (rows first), got [${input.shape.join(', ')}]`,
      );
    }
    if (rows !== undefined && input.shape[0] !== rows)
      throw new RestRequestError(`input ${spec.tensor}: shape[0] must equal the rows of the other inputs, ${rows}`);
    rows = input.shape[0];
    const count = elementCount(input.shape);
    const size = input.parameters?.binary_data_size;
    let data: Elements;
    if (typeof size === 'number') {
      if (offset + size > binary.length)
        throw new RestRequestError(
          `input ${spec.tensor}: binary_data_size ${size} runs past the ${binary.length} bytes after the JSON header`,
        );
      data = fromBinary(dtype, binary.subarray(offset, offset + size), count, spec.tensor);
      offset += size;
    } else {
      data = flatten(input.data ?? [], count, spec.tensor);
    }
    return { spec, data, perRow: elementCount(perRow) };
  });
  if (offset !== binary.length)
    throw new RestRequestError(
      `the body has ${binary.length - offset} bytes after the JSON header that no input's binary_data_size accounts for`,
    );
  return Array.from({ length: rows ?? 0 }, (_, i) => {
    const item: Record<string, unknown> = {};
    for (const { spec, data, perRow } of columns) {
      let at = i * perRow;
      for (const field of spec.fields) {
        const length = field.length;
        item[field.name] = length === undefined ? data[at] : slice(data, at, at + length);
        at += length ?? 1;
      }
    }
    return item;
  });
}

/** The response tensors of `predictions`: each contract output (or those `selected`), rows first. */
export function outputTensors(
  model: LoadedModel,
  predictions: readonly Prediction[],
  selected: readonly string[] | undefined,
): Array<{ tensor: V2Tensor; dtype: DType; values: unknown[] }> {
  return Object.entries(model.config.outputs)
    .filter(([, spec]) => !selected || selected.includes(spec.tensor))
    .map(([field, spec]) => {
      const signature = model.signature.outputs.find((t) => t.name === spec.tensor);
      const type = signature?.type ?? 'float32';
      const values = predictions.flatMap((p) => p.outputs[field]);
      const dims = signature?.shape.slice(1) ?? [];
      const perRow =
        dims.length > 0 && dims.every((d) => typeof d === 'number' && d >= 0)
          ? (dims as number[])
          : [predictions.length > 0 ? values.length / predictions.length : 0];
      const datatype = v2Datatype(type, spec.tensor);
      return {
        tensor: { name: spec.tensor, datatype, shape: [predictions.length, ...perRow] },
        dtype: type as DType,
        values,
      };
    });
}

/** Throws a 400 naming the first of the `selected` outputs the model does not have. */
export function checkOutputSelection(model: LoadedModel, selected: readonly string[]): void {
  const names = Object.values(model.config.outputs).map((spec) => spec.tensor);
  for (const name of selected) {
    if (!names.includes(name))
      throw new RestRequestError(
        `output ${name}: model ${model.name} has no such output; its outputs are ${names.join(', ')}`,
      );
  }
}

/** The protocol's binary form of `values`: little-endian elements, BYTES each after a 4-byte length. */
export function toBinary(dtype: DType, values: readonly unknown[]): Buffer {
  if (dtype === 'string') {
    const parts = values.map((v) => Buffer.from(String(v), 'utf8'));
    const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.writeUInt32LE(part.length, at);
      part.copy(out, at + 4);
      at += 4 + part.length;
    }
    return out;
  }
  const data = allocate(dtype, values.length) as Exclude<ReturnType<typeof allocate>, string[]>;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    (data as unknown as unknown[])[i] = dtype === 'int64' ? BigInt(v as number) : dtype === 'bool' ? (v ? 1 : 0) : v;
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The elements of a binary input (see toBinary), as values the contract's checks read. */
function fromBinary(dtype: DType, bytes: Buffer, count: number, name: string): Elements {
  if (dtype === 'string') {
    const strings: string[] = [];
    let at = 0;
    while (at < bytes.length && strings.length < count) {
      if (at + 4 > bytes.length) break;
      const length = bytes.readUInt32LE(at);
      if (at + 4 + length > bytes.length)
        throw new RestRequestError(`input ${name}: BYTES element ${strings.length} runs past its binary data`);
      strings.push(bytes.toString('utf8', at + 4, at + 4 + length));
      at += 4 + length;
    }
    if (strings.length !== count || at !== bytes.length)
      throw new RestRequestError(`input ${name}: binary data must hold exactly ${count} BYTES elements`);
    return strings;
  }
  const width = DTYPES[dtype].bytes;
  if (bytes.length !== count * width)
    throw new RestRequestError(
      `input ${name}: binary_data_size must be ${count * width} (${count} × ${width} bytes), got ${bytes.length}`,
    );
  const data = allocate(dtype, count) as Exclude<ReturnType<typeof allocate>, string[]>;
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  if (dtype === 'bool') return Array.from(data as Uint8Array, (v) => v !== 0);
  // The contract checks numbers: an int64 outside the safe range becomes one it refuses.
  if (dtype === 'int64')
    return Array.from(data as BigInt64Array, (v) =>
      v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER) ? Number.NaN : Number(v),
    );
  return data as ArrayLike<number>;
}

/** The elements of flat or nested JSON `data`, row-major; exactly `count` of them. */
function flatten(data: readonly unknown[], count: number, name: string): unknown[] {
  const out: unknown[] = [];
  const walk = (list: readonly unknown[]) => {
    for (const value of list) {
      if (Array.isArray(value)) walk(value);
      else if (out.length < count + 1) out.push(value);
      else return;
    }
  };
  walk(data);
  if (out.length !== count)
    throw new RestRequestError(
      `input ${name}: data must have ${count} elements for its shape, got ${out.length > count ? 'more' : out.length}`,
    );
  return out;
}

function slice(data: Elements, start: number, end: number): Elements {
  return Array.isArray(data) ? data.slice(start, end) : (data as Float32Array).subarray(start, end);
}
