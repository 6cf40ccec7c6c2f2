import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import type { JsonVectorReader } from '@mserve/inference/tensors';
import { Parser, type CsvError } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData } from 'hyparquet';
// hyparquet decodes snappy only; these add ZSTD (Polars' default), gzip, brotli and LZ4.
import { compressors } from 'hyparquet-compressors';
import type { InputFormat } from './cli-options.js';

/**
 * One input row in file order: its values by column name, or why it could not be read at all
 * (bad JSON, wrong field count, broken quoting). `line` is the 1-based line of the file for CSV and
 * JSONL (for a CSV record whose quoted field spans lines, the line it ends on), the 1-based row
 * number for Parquet. Blank lines are not rows.
 */
export type SourceRow =
  { line: number; values: Record<string, unknown>; malformed?: undefined } | { line: number; malformed: string };

/** Where reading has got: bytes of a file, or rows of a Parquet file; `total` unknown for stdin. */
export interface ReadPosition {
  done: number;
  total: number | undefined;
}

/** An opened input: its rows, pulled one at a time (reading pauses while the consumer awaits). */
export interface InputSource {
  rows: AsyncIterable<SourceRow>;
  /**
   * JSONL only: the same input as raw blocks of whole lines, which the CLI parses (in parse threads,
   * parse-pool.ts, or on the main thread, `sourceRows`). Consume either this or `rows`, not both.
   */
  blocks?(linesPerBlock: number): AsyncIterable<LineBlock>;
  position(): ReadPosition;
}

/** Whole lines of a JSONL input, undecoded: `lines` newline-ended lines from line `firstLine` on (the last block may lack the final newline). */
export interface LineBlock {
  bytes: Uint8Array;
  firstLine: number;
  lines: number;
}

/** A file-level problem with the input (missing, unreadable, not the declared format): exit 3. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Rows of a Parquet file decoded at once: bounds memory whatever the row-group size. */
const PARQUET_SLICE_ROWS = 4096;

/** Opens `path` (or `stdin` for `-`) as rows of `format`. Rejects with an InputError if the file cannot be opened. */
export async function openInput(path: string, format: InputFormat, stdin: Readable): Promise<InputSource> {
  if (format === 'parquet') return openParquet(path);
  if (path === '-') {
    const rows = format === 'csv' ? csvRows(stdin) : jsonlRows(stdin);
    const blocks = format === 'jsonl' ? { blocks: (lines: number) => lineBlocks(stdin, lines) } : {};
    return { rows, ...blocks, position: () => ({ done: 0, total: undefined }) };
  }
  const size = await fileSize(path);
  // Opened on the first pull, so a run that fails before reading leaves no descriptor open.
  let stream: ReadStream | undefined;
  const open = (highWaterMark: number) => (stream = createReadStream(path, { highWaterMark }));
  async function* rows(): AsyncGenerator<SourceRow> {
    yield* format === 'csv' ? csvRows(open(256 * 1024)) : jsonlRows(open(2 ** 20));
  }
  // Blocks only look for newlines, so larger reads cost less CPU (measured).
  async function* blocks(lines: number): AsyncGenerator<LineBlock> {
    yield* lineBlocks(open(2 ** 20), lines);
  }
  return {
    rows: rows(),
    ...(format === 'jsonl' ? { blocks } : {}),
    position: () => ({ done: stream?.bytesRead ?? 0, total: size }),
  };
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`cannot read input ${path}: not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read input ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * csv-parse's stream, each record tagged with the line it ends on. The parser pushes a record the
 * moment it completes it, while `info.lines` is that record's last line; reading `info` there costs
 * nothing, whereas its `info: true` option copies the whole info object for every record (a third
 * of the parse time on a narrow file).
 */
class LineTaggingParser extends Parser {
  override push(record: unknown, encoding?: BufferEncoding): boolean {
    return super.push(record === null ? null : { line: this.info.lines, fields: record }, encoding);
  }
}

/**
 * CSV with a header row, RFC 4180 quoting, an optional UTF-8 BOM. Values stay strings (the row
 * mapper converts them). A record with the wrong number of fields is a malformed row. A stray quote
 * (`a"b`, `"x"y`) is kept as a character (relax_quotes): csv-parse's recovery from one otherwise
 * misreads every later record. A quote never closed makes the rest of the file one malformed row.
 * csv-parse reports parse errors through `skip` events while it parses ahead, so they are merged
 * back into the record stream by line number.
 */
async function* csvRows(input: Readable): AsyncGenerator<SourceRow> {
  const parser = new LineTaggingParser({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
  });
  const skipped: SourceRow[] = [];
  parser.on('skip', (error: CsvError) =>
    skipped.push({ line: Number(error.lines), malformed: `malformed CSV: ${error.message}` }),
  );
  // Errors of the file stream reach the parser through pipeline, and so the loop below.
  pipeline(input, parser, () => undefined);
  let header: string[] | undefined;
  try {
    for await (const { line, fields } of parser as AsyncIterable<{ line: number; fields: string[] }>) {
      while (skipped.length > 0 && skipped[0].line < line) yield skipped.shift() as SourceRow;
      if (fields.length === 1 && fields[0].trim() === '') continue;
      if (header === undefined) {
        header = checkHeader(fields);
        continue;
      }
      if (fields.length !== header.length) {
        yield {
          line,
          malformed: `malformed CSV: the record has ${fields.length} fields, the header has ${header.length}`,
        };
        continue;
      }
      const values: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) values[header[i]] = fields[i];
      yield { line, values };
    }
    yield* skipped;
  } finally {
    // A consumer that stops early (a bad row under fail) must not leave the file open.
    input.destroy();
    parser.destroy();
  }
}

function checkHeader(names: string[]): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new InputError(`the CSV header names column "${name}" twice`);
    seen.add(name);
  }
  return names;
}

/** Lines read per block when parsing on this thread: bounds the text decoded at once. */
export const JSONL_LINES_PER_BLOCK = 256;

/**
 * One JSON object per line; a UTF-8 BOM on the first line is dropped, CRLF line ends are accepted.
 * Read in blocks of whole lines, as the parse threads read them, so both parse the same way.
 */
async function* jsonlRows(input: Readable): AsyncGenerator<SourceRow> {
  for await (const block of lineBlocks(input, JSONL_LINES_PER_BLOCK)) yield* jsonlBlockRows(block);
}

/**
 * The rows of a block of JSONL lines (see `lineBlocks`), as `jsonlRows` reads them, except that with
 * a `vectors` reader the lists of numbers in its vector columns become Float64Arrays (the same
 * numbers), read from the bytes, which costs less than JSON.parse for mnist rows. A line that is not
 * that simple case (see JsonVectorReader) goes through JSON.parse as before, so its row or its error
 * is unchanged.
 */
export function jsonlBlockRows(block: LineBlock, vectors?: JsonVectorReader): SourceRow[] {
  // Bytes split at 0x0A (never inside a multi-byte UTF-8 character) and each line decoded on its
  // own: measured faster than decoding the block at once and slicing it. Buffer.toString keeps a
  // BOM, so jsonlRow drops it on line 1 only.
  const bytes = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.length);
  const rows: SourceRow[] = [];
  let start = 0;
  for (let line = block.firstLine; start < bytes.length; line++) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    const textEnd = end > start && bytes[end - 1] === 13 ? end - 1 : end;
    const values = vectors?.parse(bytes, start, textEnd);
    const row = values ? { line, values } : jsonlRow(bytes.toString('utf8', start, textEnd), line);
    if (row !== undefined) rows.push(row);
    start = end + 1;
  }
  return rows;
}

const BLANK = /^\s*$/;

/** One line of JSONL (without its line end) as a row; undefined for a blank line. */
function jsonlRow(raw: string, line: number): SourceRow | undefined {
  const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (BLANK.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, malformed: `malformed JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { line, malformed: 'malformed JSONL: the line must hold one JSON object' };
  return { line, values: value as Record<string, unknown> };
}

/**
 * A byte stream cut into blocks of `linesPerBlock` whole lines (the last block holds the rest).
 * Only newlines are looked for here; decoding and parsing are left to whoever takes the block.
 * Each block is a fresh buffer of its own, so it can be moved to another thread.
 */
export async function* lineBlocks(input: Readable, linesPerBlock: number): AsyncGenerator<LineBlock> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lines = 0;
  let firstLine = 1;
  const take = (tail: Buffer): LineBlock => {
    const bytes = new Uint8Array(pendingBytes + tail.length);
    let offset = 0;
    for (const part of [...pending, tail]) {
      bytes.set(part, offset);
      offset += part.length;
    }
    const block = { bytes, firstLine, lines };
    firstLine += lines;
    pending = [];
    pendingBytes = 0;
    lines = 0;
    return block;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      let end = -1;
      while ((end = chunk.indexOf(10, end + 1)) !== -1) {
        if (++lines < linesPerBlock) continue;
        yield take(chunk.subarray(start, end + 1));
        start = end + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
      }
    }
    if (pendingBytes > 0) {
      // The last line may have no newline of its own.
      const last = pending[pending.length - 1];
      if (last[last.length - 1] !== 10) lines++;
      yield take(Buffer.alloc(0));
    }
  } finally {
    input.destroy();
  }
}

/**
 * Parquet, read slice by slice of each row group (the offset index lets hyparquet fetch only the
 * pages of a slice), so memory is bounded by the slice whatever the row-group size.
 */
async function openParquet(path: string): Promise<InputSource> {
  await fileSize(path);
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InputError(`cannot read ${path} as Parquet: ${(error as Error).message}`);
  }
  const total = Number(metadata.num_rows);
  const position: ReadPosition = { done: 0, total };
  async function* rows(): AsyncGenerator<SourceRow> {
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      for (let start = groupStart; start < groupEnd; start += PARQUET_SLICE_ROWS) {
        const end = Math.min(groupEnd, start + PARQUET_SLICE_ROWS);
        const slice = await parquetReadObjects({
          file,
          metadata,
          compressors,
          rowStart: start,
          rowEnd: end,
          useOffsetIndex: true,
        });
        position.done = end;
        for (let i = 0; i < slice.length; i++)
          yield { line: start + i + 1, values: slice[i] as Record<string, unknown> };
      }
      groupStart = groupEnd;
    }
  }
  return { rows: rows(), position: () => position };
}
