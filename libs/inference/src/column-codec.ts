import { allocatePacked, DTYPES, type DType, type TensorData } from './dtypes.js';
import { badInput, type InferenceError } from './errors.js';
import type { FieldSpec, ModelConfig } from './model-config.js';
import { checkElement } from './element-checks.js';
import type { Row, RowTensor } from './row-batches.js';

/** The dtypes a column can carry: fixed-width numbers, whose bytes a client can send as they are. */
const COLUMN_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'int32', 'int64']);

/** One contract field as a column: where its values go in its tensor's rows. */
interface ColumnSpec {
  field: FieldSpec;
  tensor: string;
  dtype: DType;
  /** Element offset of the field in its tensor's row. */
  offset: number;
  /** Elements per row (1 for a scalar field). */
  length: number;
  /** Bytes per row in the column. */
  rowBytes: number;
}

interface TensorSpec {
  tensor: string;
  dtype: DType;
  dims: number[];
  perRow: number;
  columns: ColumnSpec[];
}

/**
 * The compact input form: every row of a request at once, one base64 string per contract field (a
 * column), holding that field's values of row 0, then row 1, and so on, as the little-endian bytes
 * of the field's tensor dtype. For mnist that is the pixels of every image back to back: exactly the
 * `[rows, 784]` float32 tensor, so rows are views of the decoded bytes with nothing copied.
 *
 * It is validated as strictly as the list form: a column that is not base64, not whole rows, or of
 * another row count than its siblings fails the whole request with BAD_USER_INPUT naming the field
 * and the first row it cannot read; a row with a non-finite or out-of-range value fails that row
 * alone, with the same message as the list form (`field pixels[3]: must be ≤ 1, got 2`).
 */
export class ColumnCodec {
  private readonly tensors: TensorSpec[];
  private readonly columns: ColumnSpec[];

  /** Whether every input of the contract is numeric, so it has a compact form. */
  static supports(config: ModelConfig): boolean {
    return config.inputs.every((input) => COLUMN_DTYPES.has(input.dtype));
  }

  constructor(config: ModelConfig) {
    if (!ColumnCodec.supports(config)) throw new Error('the compact (column) form needs numeric inputs only');
    this.tensors = config.inputs.map((input) => {
      const { dtype } = input;
      const columns = input.fields.map((field): ColumnSpec => ({
        field,
        tensor: input.tensor,
        dtype,
        offset: field.offset,
        length: field.size,
        rowBytes: field.size * DTYPES[dtype].bytes,
      }));
      return { tensor: input.tensor, dtype, dims: input.shape, perRow: input.size, columns };
    });
    this.columns = this.tensors.flatMap((tensor) => tensor.columns);
  }

  /**
   * One Row, or the BAD_USER_INPUT error of that row alone, per row of the columns. Throws a
   * BAD_USER_INPUT InferenceError when the columns as a whole cannot be read (see the class comment).
   */
  decode(columns: Readonly<Record<string, unknown>>): Array<Row | InferenceError> {
    const known = new Set(this.columns.map((column) => column.field.name));
    for (const name of Object.keys(columns)) {
      if (!known.has(name) && columns[name] !== undefined)
        throw bad(0, name, `unknown field; expected ${[...known].join(', ')}`);
    }
    const decoded = this.decodeColumns(columns);
    const rows = decoded.rows;

    const failures = new Array<InferenceError | undefined>(rows);
    for (const column of this.columns) {
      const data = decoded.data.get(column);
      if (data) checkColumn(column, data, rows, failures);
    }
    const tensors = this.tensors.map((tensor) => ({ spec: tensor, data: this.pack(tensor, decoded.data, rows) }));
    const results: Array<Row | InferenceError> = new Array(rows);
    for (let r = 0; r < rows; r++) {
      const failure = failures[r];
      if (failure) {
        results[r] = failure;
        continue;
      }
      const row: Record<string, RowTensor> = {};
      for (const { spec, data } of tensors) {
        row[spec.tensor] = {
          dtype: spec.dtype,
          dims: spec.dims,
          data: (data as Float32Array).subarray(r * spec.perRow, (r + 1) * spec.perRow),
        };
      }
      results[r] = { tensors: row, key: '' };
    }
    return results;
  }

  /** Decodes every given column into a typed array and checks that they agree on the row count. */
  private decodeColumns(columns: Readonly<Record<string, unknown>>): {
    rows: number;
    data: Map<ColumnSpec, TensorData>;
  } {
    const sizes = new Map<ColumnSpec, { text: string; bytes: number; rows: number }>();
    let first: { name: string; rows: number } | undefined;
    for (const column of this.columns) {
      const name = column.field.name;
      const text = columns[name];
      if (text === undefined || text === null) {
        if (column.field.default === undefined) throw bad(0, name, 'is required');
        continue;
      }
      if (typeof text !== 'string')
        throw bad(0, name, `must be a base64 string of little-endian ${column.dtype} values`);
      const bytes = base64Length(text);
      if (bytes === undefined) throw bad(0, name, 'is not base64: its length leaves one character over');
      const rows = Math.floor(bytes / column.rowBytes);
      if (rows * column.rowBytes !== bytes) {
        throw bad(
          rows,
          name,
          `must hold whole rows of ${column.rowBytes} bytes (${column.length} × ${column.dtype}); it has ${bytes} bytes, so this row is incomplete`,
        );
      }
      if (!first) first = { name, rows };
      else if (rows !== first.rows)
        throw bad(Math.min(rows, first.rows), name, `has ${rows} rows but ${first.name} has ${first.rows}`);
      sizes.set(column, { text, bytes, rows });
    }
    if (!first) throw bad(0, this.columns[0].field.name, 'at least one column is required');

    const data = new Map<ColumnSpec, TensorData>();
    for (const [column, { text, bytes }] of sizes) {
      const values = allocatePacked(column.dtype, bytes / DTYPES[column.dtype].bytes) as Float32Array;
      const written = Buffer.from(values.buffer, values.byteOffset, values.byteLength).write(text, 'base64');
      // Node's decoder skips characters outside the alphabet, so fewer bytes than the length promises means one was there.
      if (written !== bytes) {
        const at = text.search(/[^A-Za-z0-9+/_=-]|=(?=[^=])/);
        const position = at < 0 ? text.length : at;
        throw bad(
          Math.floor(Math.floor((position * 3) / 4) / column.rowBytes),
          column.field.name,
          `is not base64: unexpected character at position ${position}`,
        );
      }
      data.set(column, values);
    }
    return { rows: first.rows, data };
  }

  /** The tensor's batch buffer: the column itself when it is the whole row, else the columns interleaved. */
  private pack(tensor: TensorSpec, data: Map<ColumnSpec, TensorData>, rows: number): TensorData {
    if (tensor.columns.length === 1) {
      const only = data.get(tensor.columns[0]);
      if (only) return only;
    }
    const target = allocatePacked(tensor.dtype, rows * tensor.perRow) as Float32Array;
    for (const column of tensor.columns) {
      const values = data.get(column) as Float32Array | undefined;
      if (!values) {
        const fill =
          tensor.dtype === 'int64' ? BigInt(column.field.default as number) : (column.field.default as number);
        for (let r = 0; r < rows; r++)
          (target as unknown as Array<number | bigint>)[r * tensor.perRow + column.offset] = fill;
      } else if (column.length === 1) {
        for (let r = 0; r < rows; r++) target[r * tensor.perRow + column.offset] = values[r];
      } else {
        for (let r = 0; r < rows; r++)
          target.set(values.subarray(r * column.length, (r + 1) * column.length), r * tensor.perRow + column.offset);
      }
    }
    return target;
  }
}

/** Marks `failures[r]` for every row whose values of `column` break the contract (first problem only). */
function checkColumn(
  column: ColumnSpec,
  data: TensorData,
  rows: number,
  failures: Array<InferenceError | undefined>,
): void {
  const { field, length, dtype } = column;
  // Bounds that also refuse NaN and ±Infinity (every comparison with NaN is false).
  const lo = field.min ?? -Number.MAX_VALUE;
  const hi = field.max ?? Number.MAX_VALUE;
  const values = data as Float32Array;
  const bigints = dtype === 'int64' ? (data as BigInt64Array) : undefined;
  for (let r = 0; r < rows; r++) {
    if (failures[r]) continue;
    const start = r * length;
    for (let k = 0; k < length; k++) {
      const v = bigints ? Number(bigints[start + k]) : values[start + k];
      if (v >= lo && v <= hi && (!bigints || Number.isSafeInteger(v))) continue;
      const reason = checkElement(dtype, field, v);
      if (reason) {
        failures[r] = bad(r, field.length === undefined ? field.name : `${field.name}[${k}]`, reason);
        break;
      }
    }
  }
}

/** Decoded byte length of base64 `text` (standard or URL-safe, padding optional); undefined when no text of that length is base64. */
export function base64Length(text: string): number | undefined {
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  if (end < text.length && text.length % 4 !== 0) return undefined;
  if (end % 4 === 1) return undefined;
  return Math.floor((end * 3) / 4);
}

const bad = badInput;
