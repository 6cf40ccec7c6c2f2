/**
 * Rows and batches: the unit the batcher queues (one row of every input tensor), how rows are
 * assembled into one batch's tensors for the session, and how its outputs are split back by offset.
 */
import {
  adoptPacked,
  allocate,
  copyInto,
  elementCount,
  isPacked,
  view,
  type DType,
  type TensorData,
} from './dtypes.js';
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
