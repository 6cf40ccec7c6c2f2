import type { RowRejection } from './exit-codes.js';
import type { InputSource, ReadPosition, SourceRow } from './readers.js';
import type { RowMapper } from './row-mapper.js';

/** How output rows name their input row: by its id column, or by its line (row number for Parquet). */
export type KeyColumn = 'id' | 'line';

/** An input row's id as written to the output. */
export type RowId = string | number | boolean | null;

/** Decided at the first readable row: the key column, and the columns that will be ignored. */
export interface Layout {
  key: KeyColumn;
  ignoredColumns: string[];
}

/**
 * One input row made ready for the model: its contract item, or why it cannot be scored (a
 * malformed line, a column that cannot be read). `id` is null unless the layout's key is `id`.
 */
export type PreparedRow =
  | { line: number; id: RowId; item: Record<string, unknown>; rejection?: undefined }
  | { line: number; id: RowId; rejection: Omit<RowRejection, 'line'> };

/** Prepared rows in input order, in chunks of one predict call each. */
export interface PreparedSource {
  chunks: AsyncIterable<PreparedRow[]>;
  /** Undefined until the first readable row has been prepared. */
  layout(): Layout | undefined;
  position(): ReadPosition;
}

/** Turns read rows into prepared rows; the first readable row fixes the layout. */
export class RowPreparer {
  layout: Layout | undefined;

  constructor(private readonly mapper: RowMapper) {}

  prepare(row: SourceRow): PreparedRow {
    if (row.malformed !== undefined) return { line: row.line, id: null, rejection: { field: '(row)', code: 'MALFORMED_ROW', reason: row.malformed } };
    this.layout ??= { key: this.mapper.hasId(row.values) ? 'id' : 'line', ignoredColumns: this.mapper.ignoredColumns(row.values) };
    const id = this.layout.key === 'id' ? this.mapper.id(row.values) : null;
    const mapped = this.mapper.map(row.values);
    if (mapped.field !== undefined) return { line: row.line, id, rejection: { field: mapped.field, code: 'BAD_USER_INPUT', reason: mapped.reason } };
    return { line: row.line, id, item: mapped.item };
  }
}

/** Prepares the rows of `input` as they are read, `chunkRows` rows to a chunk. */
export function prepareHere(input: InputSource, mapper: RowMapper, chunkRows: number): PreparedSource {
  const preparer = new RowPreparer(mapper);
  async function* chunks(): AsyncGenerator<PreparedRow[]> {
    let chunk: PreparedRow[] = [];
    for await (const row of input.rows) {
      chunk.push(preparer.prepare(row));
      if (chunk.length >= chunkRows) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }
  return { chunks: chunks(), layout: () => preparer.layout, position: input.position };
}
