import { InferenceError } from './errors.js';
import { parseModelConfig } from './model-config.js';
import { assembleBatch, rowKey, splitBatch, type Row } from './row-batches.js';
import { ContractCodec } from './tensor-codec.js';

const config = parseModelConfig({
  description: 'test',
  task: 'classification',
  inputs: [
    {
      tensor: 'features',
      fields: [
        { name: 'a', min: 0, max: 10 },
        { name: 'b', default: 2 },
        { name: 'v', length: 3, min: -1, max: 1 },
      ],
    },
    { tensor: 'ids', dtype: 'int64', fields: [{ name: 'id' }] },
    { tensor: 'text', dtype: 'string', fields: [{ name: 'word' }] },
  ],
  outputs: { p: { tensor: 'p', kind: 'probabilities' } },
  batching: { maxBatchSize: 8, maxQueueSize: 100, timeoutMs: 1000 },
});
const codec = new ContractCodec(config);
const good = { a: 1, v: [0.5, -0.5, 0], id: 7, word: 'hi' };
/** Rows of 4,097 float32s (16 KiB and more): large enough to get a buffer of their own. */
const wide = new ContractCodec(
  parseModelConfig({
    ...config,
    inputs: [{ tensor: 'features', fields: [{ name: 'a' }, { name: 'v', length: 4096 }] }],
  }),
);
const wideItem = (a: number) => ({ a, v: Array.from({ length: 4096 }, (_, k) => k % 7) });

function message(result: unknown): string {
  expect(result).toBeInstanceOf(InferenceError);
  expect((result as InferenceError).code).toBe('BAD_USER_INPUT');
  return (result as InferenceError).message;
}

describe('ContractCodec', () => {
  test('packs fields in contract order, fills defaults, and views one buffer per tensor', () => {
    const [r1, r2] = codec.encode([good, { ...good, a: 3, b: 4, id: 9, word: 'yo' }]) as Row[];
    expect(Array.from(r1.tensors.features.data as Float32Array)).toEqual([1, 2, 0.5, -0.5, 0]);
    expect(Array.from(r2.tensors.features.data as Float32Array)).toEqual([3, 4, 0.5, -0.5, 0]);
    expect((r1.tensors.features.data as Float32Array).buffer).toBe((r2.tensors.features.data as Float32Array).buffer);
    expect(r1.tensors.features.dims).toEqual([5]);
    expect(r2.tensors.ids.data).toEqual(new BigInt64Array([9n]));
    expect(r2.tensors.text.data).toEqual(['yo']);
  });

  test('accepts a typed array for a vector field', () => {
    const [row] = codec.encode([{ ...good, v: new Float32Array([1, 0, -1]) }]) as Row[];
    expect(Array.from(row.tensors.features.data as Float32Array)).toEqual([1, 2, 1, 0, -1]);
  });

  test('checks a vector read from JSON bytes (a Float64Array view) element by element, as a list', () => {
    const slab = new Float64Array([9, 0.5, -0.5, 0, 9]);
    const [row] = codec.encode([{ ...good, v: slab.subarray(1, 4) }]) as Row[];
    expect(Array.from(row.tensors.features.data as Float32Array)).toEqual([1, 2, 0.5, -0.5, 0]);
    for (const [k, value, reason] of [
      [0, Number.NaN, 'must be a finite number, got NaN'],
      [1, Infinity, 'must be a finite number, got Infinity'],
      [2, 1.0000001, 'must be ≤ 1, got 1.0000001'],
      [2, -2, 'must be ≥ -1, got -2'],
    ] as const) {
      const values = new Float64Array([0, 0, 0, 0, 0]);
      values[1 + k] = value;
      expect(message(codec.encode([{ ...good, v: values.subarray(1, 4) }], [4])[0])).toBe(
        `Invalid input at item 4, field v[${k}]: ${reason}`,
      );
    }
  });

  test.each([
    [{ ...good, a: undefined }, 'Invalid input at item 0, field a: is required'],
    [{ ...good, a: '1' }, 'Invalid input at item 0, field a: must be a number, got a string'],
    [{ ...good, a: Number.NaN }, 'Invalid input at item 0, field a: must be a finite number, got NaN'],
    [{ ...good, a: Infinity }, 'Invalid input at item 0, field a: must be a finite number, got Infinity'],
    [{ ...good, a: 11 }, 'Invalid input at item 0, field a: must be ≤ 10, got 11'],
    [{ ...good, a: -1 }, 'Invalid input at item 0, field a: must be ≥ 0, got -1'],
    [{ ...good, v: [0, 0] }, 'Invalid input at item 0, field v: must have 3 values, got 2'],
    [{ ...good, v: 'abc' }, 'Invalid input at item 0, field v: must be a list of 3 values'],
    [{ ...good, v: [0, 2, 0] }, 'Invalid input at item 0, field v[1]: must be ≤ 1, got 2'],
    [{ ...good, v: [0, 0, -Infinity] }, 'Invalid input at item 0, field v[2]: must be a finite number, got -Infinity'],
    [{ ...good, id: 1.5 }, 'Invalid input at item 0, field id: must be an integer, got 1.5'],
    [{ ...good, word: 3 }, 'Invalid input at item 0, field word: must be a string, got number'],
    [{ ...good, extra: 1 }, 'Invalid input at item 0, field extra: unknown field; expected a, b, v, id, word'],
    [null, 'Invalid input at item 0, field (input): must be an object'],
    [[1, 2], 'Invalid input at item 0, field (input): must be an object'],
  ])('rejects %j with a message naming the item and field', (item, expected) => {
    expect(message(codec.encode([item])[0])).toBe(expected);
  });

  test('a bad item fails alone, numbered by the given indices, and gets no buffer space', () => {
    const results = codec.encode([good, { ...good, a: 99 }, good], [100, 101, 102]);
    expect(results[0]).not.toBeInstanceOf(Error);
    expect(message(results[1])).toBe('Invalid input at item 101, field a: must be ≤ 10, got 99');
    expect((results[1] as InferenceError).details).toEqual({ item: 101, field: 'a', reason: 'must be ≤ 10, got 99' });
    const [first, third] = [results[0], results[2]].map((r) => (r as Row).tensors.features.data as Float32Array);
    expect(third.buffer).toBe(first.buffer);
    expect(third.byteOffset).toBe(first.byteOffset + 5 * 4);
    const large = wide.encode([wideItem(1), { ...wideItem(2), a: '2' }, wideItem(3)]);
    expect(((large[0] as Row).tensors.features.data as Float32Array).buffer.byteLength).toBe(2 * 4097 * 4);
  });

  test('small rows share a slab across calls, and a batch of them is a copy that leaves them intact', () => {
    const [r1] = codec.encode([good]) as Row[];
    const [r2] = codec.encode([{ ...good, a: 3 }]) as Row[];
    const [d1, d2] = [r1, r2].map((r) => r.tensors.features.data as Float32Array);
    expect(d2.buffer).toBe(d1.buffer);
    expect(d1.buffer.byteLength).toBeGreaterThan(2 * 5 * 4);
    for (const batch of [assembleBatch([r1]), assembleBatch([r1, r2])]) {
      expect((batch.features.data as Float32Array).buffer).not.toBe(d1.buffer);
    }
    expect(Array.from(assembleBatch([r1, r2]).features.data as Float32Array)).toEqual([
      1, 2, 0.5, -0.5, 0, 3, 2, 0.5, -0.5, 0,
    ]);
    expect(Array.from(d1)).toEqual([1, 2, 0.5, -0.5, 0]);
  });

  test('assembleBatch and splitBatch round-trip rows by offset', () => {
    const rows = codec.encode([good, { ...good, a: 5 }, { ...good, a: 9 }]) as Row[];
    const batch = assembleBatch(rows);
    expect(batch.features.dims).toEqual([3, 5]);
    expect(Array.from(batch.features.data as Float32Array).filter((_, i) => i % 5 === 0)).toEqual([1, 5, 9]);
    expect(batch.text.data).toEqual(['hi', 'hi', 'hi']);
    const split = splitBatch({ p: { dtype: 'float32', dims: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) } }, 3);
    expect(split.map((row) => Array.from(row.p.data as Float32Array))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(() => splitBatch({ p: { dtype: 'float32', dims: [2, 2], data: new Float32Array(4) } }, 3)).toThrow(
      'output p has 2 rows for a batch of 3',
    );
  });

  test('assembleBatch takes rows that are a whole buffer, in order, as the batch itself; anything else is copied', () => {
    const rows = wide.encode([wideItem(1), wideItem(5), wideItem(9)]) as Row[];
    const buffer = (rows[0].tensors.features.data as Float32Array).buffer;
    const batchBuffer = (batch: Row[]) => (assembleBatch(batch).features.data as Float32Array).buffer;
    expect(batchBuffer(rows.slice(0, 2))).not.toBe(buffer);
    expect(batchBuffer([rows[1], rows[0], rows[2]])).not.toBe(buffer);
    expect(
      Array.from(assembleBatch([rows[1], rows[0], rows[2]]).features.data as Float32Array).filter(
        (_, i) => i % 4097 === 0,
      ),
    ).toEqual([5, 1, 9]);
    expect(batchBuffer(rows)).toBe(buffer);
  });

  test('a vector of numbers in range is checked in one loop and copied whole; the first bad element is still named', () => {
    const v = Array.from({ length: 3 }, (_, k) => k / 2);
    const [row] = codec.encode([{ ...good, v }]) as Row[];
    expect(Array.from(row.tensors.features.data as Float32Array)).toEqual([1, 2, 0, 0.5, 1]);
    expect(message(codec.encode([{ ...good, v: [0, null, 5] }])[0])).toBe(
      'Invalid input at item 0, field v[1]: must be a number, got null',
    );
  });

  test('rowKey separates rows by per-row shape', () => {
    const a = rowKey({ x: { dtype: 'float32', dims: [3], data: new Float32Array(3) } });
    const b = rowKey({ x: { dtype: 'float32', dims: [4], data: new Float32Array(4) } });
    expect(a).not.toBe(b);
  });

  test('a batch takes a codec-packed buffer whole, but copies rows a caller built from its own arrays', () => {
    const packed = wide.encode([wideItem(1), wideItem(5)]) as Row[];
    const packedBuffer = (packed[0].tensors.features.data as Float32Array).buffer;
    expect((assembleBatch(packed).features.data as Float32Array).buffer).toBe(packedBuffer);

    const [small] = codec.encode([good]) as Row[];
    const own = new Float32Array([1, 2, 0, 0, 0]);
    const mine: Row = { key: '', tensors: { ...small.tensors, features: { dtype: 'float32', dims: [5], data: own } } };
    const batch = assembleBatch([mine]);
    expect((batch.features.data as Float32Array).buffer).not.toBe(own.buffer);
    expect(Array.from(batch.features.data as Float32Array)).toEqual([1, 2, 0, 0, 0]);
  });
});
