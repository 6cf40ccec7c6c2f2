import { ContractCodec, InferenceError, type ModelConfig, type Row } from '@mserve/inference';
import { JsonVectorReader } from '@mserve/inference/tensors';
import type { RowRejection } from './exit-codes.js';
import {
  jsonlBlockRows,
  JSONL_LINES_PER_BLOCK,
  type InputSource,
  type ReadPosition,
  type SourceRow,
} from './readers.js';
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
 * One input row on its way to the model: its line, its id (null when it has no id column) and, when
 * it cannot be scored, why (a malformed line, a column that cannot be read, a contract violation).
 */
export interface PreparedRow {
  line: number;
  id: RowId;
  rejection?: Omit<RowRejection, 'line'>;
}

/** The rows of one predict call, checked and packed for the model. */
export interface PreparedChunk {
  rows: PreparedRow[];
  /** The model rows of `rows` without a rejection, in order: packed by the contract codec. */
  encoded: Row[];
  /**
   * The layout of the first readable row its builder saw, on the chunk holding that row (later
   * chunks of the builder have none): the first chunk in input order that has one gives the file's.
   */
  layout?: Layout;
}

/** Prepared chunks in input order. */
export interface PreparedSource {
  chunks: AsyncIterable<PreparedChunk>;
  position(): ReadPosition;
}

/**
 * Turns read rows into chunks ready for `predictEncoded`: maps each row's columns to a contract item
 * (RowMapper), then checks and packs a chunk's items at once (ContractCodec, one buffer per tensor);
 * an item the contract refuses becomes the rejection of its row. Runs on the main thread
 * (`prepareHere`) or in a parse worker (parse-pool.ts): the same code either way.
 */
export class ChunkBuilder {
  private readonly codec: ContractCodec;
  private rows: PreparedRow[] = [];
  private items: Array<Record<string, unknown>> = [];
  private lines: number[] = [];
  private layout: Layout | undefined;
  private layoutTaken = false;

  constructor(
    private readonly mapper: RowMapper,
    config: ModelConfig,
  ) {
    this.codec = new ContractCodec(config);
  }

  get size(): number {
    return this.rows.length;
  }

  add(row: SourceRow): void {
    if (row.malformed !== undefined) {
      this.rows.push({
        line: row.line,
        id: null,
        rejection: { field: '(row)', code: 'MALFORMED_ROW', reason: row.malformed },
      });
      return;
    }
    if (!this.layoutTaken)
      this.layout ??= {
        key: this.mapper.hasId(row.values) ? 'id' : 'line',
        ignoredColumns: this.mapper.ignoredColumns(row.values),
      };
    const id = this.mapper.id(row.values);
    const mapped = this.mapper.map(row.values);
    if (mapped.field !== undefined) {
      this.rows.push({
        line: row.line,
        id,
        rejection: { field: mapped.field, code: 'BAD_USER_INPUT', reason: mapped.reason },
      });
      return;
    }
    this.rows.push({ line: row.line, id });
    this.items.push(mapped.item);
    this.lines.push(row.line);
  }

  /** The rows added since the last call, as a chunk (empty when none were added). */
  take(): PreparedChunk {
    const encoded = this.codec.encode(this.items, this.lines);
    const chunk: PreparedChunk = {
      rows: this.rows,
      encoded: [],
      ...(this.layout && !this.layoutTaken ? { layout: this.layout } : {}),
    };
    if (this.layout) this.layoutTaken = true;
    let next = 0;
    for (const row of this.rows) {
      if (row.rejection !== undefined) continue;
      const entry = encoded[next++];
      if (entry instanceof InferenceError) row.rejection = rejectionOf(entry, row.line);
      else chunk.encoded.push(entry);
    }
    this.rows = [];
    this.items = [];
    this.lines = [];
    return chunk;
  }
}

/** Prepares the rows of `input` on this thread as they are read, `chunkRows` rows to a chunk. */
export function prepareHere(
  input: InputSource,
  mapper: RowMapper,
  config: ModelConfig,
  chunkRows: number,
): PreparedSource {
  const builder = new ChunkBuilder(mapper, config);
  async function* chunks(): AsyncGenerator<PreparedChunk> {
    for await (const row of sourceRows(input, mapper)) {
      builder.add(row);
      if (builder.size >= chunkRows) yield builder.take();
    }
    if (builder.size > 0) yield builder.take();
  }
  return { chunks: chunks(), position: input.position };
}

/** The rows of `input`; JSONL through its blocks, with the mapper's vector columns read from the bytes, as the parse threads read it. */
export async function* sourceRows(input: InputSource, mapper: RowMapper): AsyncGenerator<SourceRow> {
  if (input.blocks === undefined) {
    yield* input.rows;
    return;
  }
  const vectorColumns = mapper.vectorColumns();
  const vectors = vectorColumns.size > 0 ? new JsonVectorReader(vectorColumns) : undefined;
  for await (const block of input.blocks(JSONL_LINES_PER_BLOCK)) yield* jsonlBlockRows(block, vectors);
}

/**
 * A library error as the rejection of the row at `line`. Only contract violations (BAD_USER_INPUT)
 * are the row's fault; anything else (timeout, overload, failed run) would lose rows that are fine,
 * so it throws, stopping the run instead.
 */
export function rejectionOf(error: InferenceError, line: number): Omit<RowRejection, 'line'> {
  if (error.code !== 'BAD_USER_INPUT')
    throw new Error(`scoring the row at line ${line} failed: ${error.message}`, { cause: error });
  return {
    field: String(error.details.field ?? '(input)'),
    code: error.code,
    reason: String(error.details.reason ?? error.message),
  };
}
