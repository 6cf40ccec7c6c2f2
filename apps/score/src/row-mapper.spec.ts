import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseModelConfig, type ModelConfig } from '@mserve/inference';
import { UsageError } from './exit-codes.js';
import { RowMapper } from './row-mapper.js';

function config(model: string): ModelConfig {
  return parseModelConfig(
    JSON.parse(readFileSync(fileURLToPath(new URL(`../../../models/${model}/config.json`, import.meta.url)), 'utf8')),
  );
}

const iris = config('iris');
const mnist = config('mnist');
const csv = { columnMap: new Map<string, string>(), idColumn: 'id', textValues: true };
const json = { ...csv, textValues: false };

describe('RowMapper', () => {
  it('reads CSV numbers strictly: empty is missing, NaN/Infinity spellings become numbers, other text stays text', () => {
    const mapper = new RowMapper(iris, csv);
    expect(
      mapper.map({ id: '1', sepalLength: '5.1', sepalWidth: ' 3.5 ', petalLength: '1e0', petalWidth: '-.2' }),
    ).toEqual({
      item: { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1, petalWidth: -0.2 },
    });
    expect(mapper.map({ sepalLength: 'NaN', sepalWidth: 'inf', petalLength: '-Infinity', petalWidth: '' })).toEqual({
      item: { sepalLength: NaN, sepalWidth: Infinity, petalLength: -Infinity },
    });
    // Number() would read these as 16, 0 and 1000; they are not decimal numbers, so the library says "must be a number".
    expect(mapper.map({ sepalLength: '0x10', sepalWidth: '', petalLength: '1,000', petalWidth: 'abc' })).toEqual({
      item: { sepalLength: '0x10', petalLength: '1,000', petalWidth: 'abc' },
    });
  });

  it('passes JSON values through untouched and never forwards unknown columns', () => {
    const mapper = new RowMapper(iris, json);
    const row = { id: 7, sepalLength: 5.1, sepalWidth: '3.5', petalLength: null, petalWidth: 0.2, species: 'setosa' };
    expect(mapper.map(row)).toEqual({
      item: { sepalLength: 5.1, sepalWidth: '3.5', petalLength: null, petalWidth: 0.2 },
    });
    expect(mapper.ignoredColumns(row)).toEqual(['species']);
  });

  it('renames columns with --map and rejects a map to a field the model lacks', () => {
    const mapper = new RowMapper(iris, {
      ...json,
      columnMap: new Map([
        ['sl', 'sepalLength'],
        ['pw', 'petalWidth'],
      ]),
    });
    const row = { sl: 1, sepalWidth: 2, petalLength: 3, pw: 4, sepalLength: 99 };
    expect(mapper.map(row)).toEqual({ item: { sepalLength: 1, sepalWidth: 2, petalLength: 3, petalWidth: 4 } });
    expect(mapper.ignoredColumns(row)).toEqual(['sepalLength']);
    expect(() => new RowMapper(iris, { ...json, columnMap: new Map([['x', 'petal']]) })).toThrow(
      new UsageError(
        '--map names "petal", not a field of the model; its fields are sepalLength, sepalWidth, petalLength, petalWidth',
        false,
      ),
    );
  });

  it('reads a vector field from a JSON array column, or from numbered columns pixels_0… or pixels0…', () => {
    const mapper = new RowMapper(mnist, csv);
    const pixels = Array.from({ length: 784 }, (_, k) => (k % 7) / 7);
    expect(mapper.map({ id: 'a', pixels: JSON.stringify(pixels) })).toEqual({ item: { pixels } });
    const underscored = Object.fromEntries(pixels.map((p, k) => [`pixels_${k}`, String(p)]));
    expect(mapper.map({ id: 'b', ...underscored })).toEqual({ item: { pixels } });
    const plain = Object.fromEntries(pixels.map((p, k) => [`pixels${k}`, String(p)]));
    expect(mapper.map(plain)).toEqual({ item: { pixels } });
    expect(mapper.ignoredColumns({ id: 'b', ...underscored, note: 'x' })).toEqual(['note']);
  });

  it('rejects a vector column that is not a JSON array, naming the field', () => {
    const mapper = new RowMapper(mnist, csv);
    expect(mapper.map({ pixels: '[0, 1' })).toEqual({
      field: 'pixels',
      reason: 'must be a JSON array of 784 values in column pixels',
    });
    expect(mapper.map({ pixels: '{"a":1}' })).toEqual({
      field: 'pixels',
      reason: 'must be a JSON array of 784 values in column pixels',
    });
    // No column at all: the library reports the field as required.
    expect(mapper.map({ other: '1' })).toEqual({ item: {} });
  });

  it('passes arrays from JSONL or Parquet through, converting Parquet INT64 lists', () => {
    const mapper = new RowMapper(mnist, json);
    const pixels = [0, 0.5, 1];
    expect(mapper.map({ pixels })).toEqual({ item: { pixels } });
    expect(mapper.map({ pixels: [0n, 1n] })).toEqual({ item: { pixels: [0, 1] } });
  });

  it('gives ids as JSON-safe values and says whether a row has one', () => {
    const mapper = new RowMapper(iris, { ...json, idColumn: 'key' });
    expect(mapper.hasId({ key: 'a' })).toBe(true);
    expect(mapper.hasId({ id: 'a' })).toBe(false);
    expect([
      mapper.id({ key: 'a' }),
      mapper.id({ key: 3 }),
      mapper.id({ key: 12n }),
      mapper.id({ key: 2n ** 64n }),
      mapper.id({}),
      mapper.id({ key: [1] }),
    ]).toEqual(['a', 3, 12, '18446744073709551616', null, '[1]']);
  });
});
