import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parquetWriteFile } from 'hyparquet-writer';
import { JsonVectorReader } from '@mserve/inference/tensors';
import { InputError, jsonlBlockRows, lineBlocks, openInput, type SourceRow } from './readers.js';
import { tempDir } from './testing/harness.js';

const noStdin = () => Readable.from([]);

async function rowsOf(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const all: SourceRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe('readers', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => (dir = await tempDir('readers')));
  afterAll(() => dir.cleanup());

  it('reads CSV with a BOM, quoted fields, CRLF, blank lines and multi-line fields, numbering rows by file line', async () => {
    const path = join(dir.path, 'quoted.csv');
    const text = '\uFEFFid,a,b\r\n"x, ""1""",1,2\r\n\r\n   \r\ny,3,4\r\n"multi\nline",5,6\r\nz,7,8\r\n';
    await writeFile(path, text);
    const rows = await rowsOf((await openInput(path, 'csv', noStdin())).rows);
    expect(rows).toEqual([
      { line: 2, values: { id: 'x, "1"', a: '1', b: '2' } },
      { line: 5, values: { id: 'y', a: '3', b: '4' } },
      // A record spanning lines is numbered by the line it ends on.
      { line: 7, values: { id: 'multi\nline', a: '5', b: '6' } },
      { line: 8, values: { id: 'z', a: '7', b: '8' } },
    ]);
  });

  it('turns a wrong field count into a malformed row and keeps stray quotes as characters', async () => {
    const path = join(dir.path, 'malformed.csv');
    await writeFile(path, 'id,a,b\n1,2,3\n2,3\n3,"x"y,4\n4,a"b,6\n5,5,6\n');
    const rows = await rowsOf((await openInput(path, 'csv', noStdin())).rows);
    expect(rows).toEqual([
      { line: 2, values: { id: '1', a: '2', b: '3' } },
      { line: 3, malformed: 'malformed CSV: the record has 2 fields, the header has 3' },
      { line: 4, values: { id: '3', a: '"x"y', b: '4' } },
      { line: 5, values: { id: '4', a: 'a"b', b: '6' } },
      { line: 6, values: { id: '5', a: '5', b: '6' } },
    ]);
  });

  it('reports an unclosed quote at the end as one malformed row', async () => {
    const path = join(dir.path, 'unclosed.csv');
    await writeFile(path, 'id,a\n1,2\n2,"open\n3,4\n');
    const rows = await rowsOf((await openInput(path, 'csv', noStdin())).rows);
    expect(rows[0]).toEqual({ line: 2, values: { id: '1', a: '2' } });
    expect(rows).toHaveLength(2);
    expect(rows[1].malformed).toMatch(/^malformed CSV: Quote Not Closed/);
  });

  it('rejects a CSV header that names a column twice', async () => {
    const path = join(dir.path, 'dup.csv');
    await writeFile(path, 'a,a\n1,2\n');
    await expect(rowsOf((await openInput(path, 'csv', noStdin())).rows)).rejects.toThrow(
      new InputError('the CSV header names column "a" twice'),
    );
  });

  it('reads JSONL with a BOM, CRLF and blank lines; bad JSON and non-objects are malformed rows', async () => {
    const path = join(dir.path, 'rows.jsonl');
    await writeFile(path, '\uFEFF{"a":1}\r\n\r\n{"a":2,"b":"é"}\n{"a":\n[1,2]\n   \n{"a":3}');
    const rows = await rowsOf((await openInput(path, 'jsonl', noStdin())).rows);
    expect(rows.map((r) => r.line)).toEqual([1, 3, 4, 5, 7]);
    expect(rows[0]).toEqual({ line: 1, values: { a: 1 } });
    expect(rows[1]).toEqual({ line: 3, values: { a: 2, b: 'é' } });
    expect(rows[2].malformed).toMatch(/^malformed JSON: /);
    expect(rows[3]).toEqual({ line: 5, malformed: 'malformed JSONL: the line must hold one JSON object' });
    expect(rows[4]).toEqual({ line: 7, values: { a: 3 } });
  });

  it('keeps multi-byte characters whole across read chunks', async () => {
    const path = join(dir.path, 'wide.jsonl');
    const name = 'ü€😀'.repeat(200_000);
    await writeFile(path, `${JSON.stringify({ name })}\n${JSON.stringify({ name: 'b' })}\n`);
    const rows = await rowsOf((await openInput(path, 'jsonl', noStdin())).rows);
    expect(rows.map((r) => r.malformed === undefined && r.values.name)).toEqual([name, 'b']);
  });

  it('cuts JSONL into blocks of whole lines whose rows are the rows read line by line, whatever the read chunk size', async () => {
    // A BOM, CRLF, blank lines, bad JSON, a non-object, multi-byte characters, a list, no final newline.
    const text =
      '\uFEFF{"a":1}\r\n\r\n{"a":2,"b":"é€😀"}\n{"a":\n[1,2]\n   \n{"a":3}\n{"b":"ü"}\r\n{"a":[1,2.5e-1,30],"b":"€"}\r\n{"a":4}';
    const path = join(dir.path, 'blocks.jsonl');
    await writeFile(path, text);
    const expected = await rowsOf((await openInput(path, 'jsonl', noStdin())).rows);
    const bytes = Buffer.from(text);
    for (const chunkSize of [1, 2, 3, 7, bytes.length]) {
      for (const linesPerBlock of [1, 2, 3, 100]) {
        const chunks = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) =>
          bytes.subarray(i * chunkSize, (i + 1) * chunkSize),
        );
        const blocks = [];
        for await (const block of lineBlocks(Readable.from(chunks), linesPerBlock)) blocks.push(block);
        // Every block but the last holds exactly linesPerBlock lines, and they number the file's lines in order.
        expect(blocks.slice(0, -1).every((b) => b.lines === linesPerBlock)).toBe(true);
        expect(blocks.map((b) => b.firstLine)).toEqual(blocks.map((_, i) => 1 + i * linesPerBlock));
        expect(blocks.reduce((n, b) => n + b.lines, 0)).toBe(10);
        expect(Buffer.concat(blocks.map((b) => b.bytes)).toString()).toBe(text);
        expect(
          blocks.flatMap((block) => jsonlBlockRows(block)),
          `chunks of ${chunkSize} B, blocks of ${linesPerBlock} lines`,
        ).toEqual(expected);
        // With `a` as a vector column, its list is read from the bytes into a Float64Array; every row is otherwise the same.
        const withVectors = blocks.flatMap((block) => jsonlBlockRows(block, new JsonVectorReader(new Set(['a']))));
        expect(withVectors[6].malformed === undefined && withVectors[6].values.a).toEqual(
          new Float64Array([1, 0.25, 30]),
        );
        expect(
          withVectors.map((r) =>
            r.malformed === undefined && r.values.a instanceof Float64Array
              ? { ...r, values: { ...r.values, a: Array.from(r.values.a) } }
              : r,
          ),
        ).toEqual(expected);
      }
    }
    expect(expected.map((r) => r.line)).toEqual([1, 3, 4, 5, 7, 8, 9, 10]);
  });

  it('gives each block a buffer of its own, so it can be moved to another thread', async () => {
    const blocks = [];
    for await (const block of lineBlocks(Readable.from([Buffer.from('{"a":1}\n{"a":2}\n{"a":3}\n')]), 1))
      blocks.push(block);
    expect(blocks.map((b) => [b.bytes.byteOffset, b.bytes.buffer.byteLength === b.bytes.length])).toEqual([
      [0, true],
      [0, true],
      [0, true],
    ]);
  });

  it('reads stdin', async () => {
    const source = await openInput('-', 'csv', Readable.from([Buffer.from('a\n1\n2\n')]));
    expect(await rowsOf(source.rows)).toEqual([
      { line: 2, values: { a: '1' } },
      { line: 3, values: { a: '2' } },
    ]);
    expect(source.position()).toEqual({ done: 0, total: undefined });
  });

  it('reads Parquet slice by slice across row groups, numbering rows from 1, and tracks rows read', async () => {
    const path = join(dir.path, 'groups.parquet');
    const count = 10_000;
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'id', data: Array.from({ length: count }, (_, i) => `r${i + 1}`), type: 'STRING' },
        { name: 'x', data: Array.from({ length: count }, (_, i) => i / 2), type: 'DOUBLE' },
      ],
      rowGroupSize: 3000,
    });
    const source = await openInput(path, 'parquet', noStdin());
    expect(source.position()).toEqual({ done: 0, total: count });
    const rows = await rowsOf(source.rows);
    expect(rows).toHaveLength(count);
    rows.forEach((row, i) => expect(row).toEqual({ line: i + 1, values: { id: `r${i + 1}`, x: i / 2 } }));
    expect(source.position()).toEqual({ done: count, total: count });
  });

  it('tracks bytes read of a file against its size', async () => {
    const path = join(dir.path, 'bytes.jsonl');
    await writeFile(path, '{"a":1}\n'.repeat(1000));
    const source = await openInput(path, 'jsonl', noStdin());
    expect(source.position()).toEqual({ done: 0, total: 8000 });
    await rowsOf(source.rows);
    expect(source.position()).toEqual({ done: 8000, total: 8000 });
  });

  it('fails with an InputError for a missing file or a file that is not Parquet', async () => {
    await expect(openInput(join(dir.path, 'nope.csv'), 'csv', noStdin())).rejects.toThrow(
      new InputError(`cannot read input ${join(dir.path, 'nope.csv')}: ENOENT`),
    );
    const notParquet = join(dir.path, 'fake.parquet');
    await writeFile(notParquet, 'id,a\n1,2\n');
    await expect(openInput(notParquet, 'parquet', noStdin())).rejects.toThrow(
      /^cannot read .*fake\.parquet as Parquet: /,
    );
  });
});
