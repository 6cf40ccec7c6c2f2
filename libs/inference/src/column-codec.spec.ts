import { base64Length, ColumnCodec } from './column-codec.js';
import { InferenceError } from './errors.js';
import { parseModelConfig } from './model-config.js';
import type { Row } from './row-batches.js';

const contract = (inputs: unknown[]) =>
  parseModelConfig({
    description: 'test',
    task: 'classification',
    inputs,
    outputs: { p: { tensor: 'p', kind: 'probabilities' } },
    batching: { maxBatchSize: 8, maxQueueSize: 100, timeoutMs: 1000 },
  });

/** One vector field that is the whole tensor row, like mnist's pixels. */
const vector = new ColumnCodec(
  contract([{ tensor: 'pixels', fields: [{ name: 'pixels', length: 3, min: 0, max: 1 }] }]),
);
/** Scalar fields interleaved into one row (one with a default), and an int64 tensor. */
const mixed = new ColumnCodec(
  contract([
    {
      tensor: 'features',
      fields: [
        { name: 'a', min: 0, max: 10 },
        { name: 'b', default: 2 },
      ],
    },
    { tensor: 'ids', dtype: 'int64', fields: [{ name: 'id' }] },
  ]),
);

const b64 = (values: ArrayLike<number | bigint>, type: 'f32' | 'i64' = 'f32') =>
  Buffer.from(
    (type === 'f32' ? new Float32Array(values as ArrayLike<number>) : new BigInt64Array(values as ArrayLike<bigint>))
      .buffer,
  ).toString('base64');

function failure(action: () => unknown): InferenceError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InferenceError);
    expect((error as InferenceError).code).toBe('BAD_USER_INPUT');
    return error as InferenceError;
  }
  throw new Error('expected a BAD_USER_INPUT error');
}

describe('ColumnCodec', () => {
  test('a column that is the whole row decodes to views of one buffer, row after row', () => {
    const rows = vector.decode({ pixels: b64([0, 0.5, 1, 0.25, 0.75, 0]) }) as Row[];
    expect(rows).toHaveLength(2);
    expect(Array.from(rows[0].tensors.pixels.data as Float32Array)).toEqual([0, 0.5, 1]);
    expect(Array.from(rows[1].tensors.pixels.data as Float32Array)).toEqual([0.25, 0.75, 0]);
    expect(rows[0].tensors.pixels.dims).toEqual([3]);
    expect((rows[0].tensors.pixels.data as Float32Array).buffer).toBe(
      (rows[1].tensors.pixels.data as Float32Array).buffer,
    );
  });

  test('accepts URL-safe base64 and missing padding', () => {
    const standard = b64([0.1, 0.2, 0.3]);
    const urlSafe = standard.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect((vector.decode({ pixels: urlSafe })[0] as Row).tensors.pixels.data).toEqual(
      (vector.decode({ pixels: standard })[0] as Row).tensors.pixels.data,
    );
  });

  test('interleaves scalar columns into their tensor, fills defaults, and reads int64 columns', () => {
    const rows = mixed.decode({ a: b64([1, 3]), id: b64([7n, 9n], 'i64') }) as Row[];
    expect(Array.from(rows[0].tensors.features.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(rows[1].tensors.features.data as Float32Array)).toEqual([3, 2]);
    expect(rows[1].tensors.ids.data).toEqual(new BigInt64Array([9n]));
    const withB = mixed.decode({ a: b64([1]), b: b64([5]), id: b64([1n], 'i64') }) as Row[];
    expect(Array.from(withB[0].tensors.features.data as Float32Array)).toEqual([1, 5]);
  });

  test('an empty column is zero rows', () => {
    expect(vector.decode({ pixels: '' })).toEqual([]);
  });

  test.each([
    [[0, 0.5, 1, 0, Number.NaN, 0], 'Invalid input at item 1, field pixels[1]: must be a finite number, got NaN'],
    [[0, 0.5, 1, 0, 0, Infinity], 'Invalid input at item 1, field pixels[2]: must be a finite number, got Infinity'],
    [[0, 0.5, 1, -0.5, 0, 0], 'Invalid input at item 1, field pixels[0]: must be ≥ 0, got -0.5'],
    [[0, 0.5, 1, 0, 2, 0], 'Invalid input at item 1, field pixels[1]: must be ≤ 1, got 2'],
  ])('a row with a bad value fails alone, with the list form’s message (%j)', (values, expected) => {
    const [good, failed] = vector.decode({ pixels: b64(values) });
    expect(good).not.toBeInstanceOf(Error);
    expect(failed).toBeInstanceOf(InferenceError);
    expect((failed as InferenceError).message).toBe(expected);
    expect((failed as InferenceError).details).toMatchObject({ item: 1 });
  });

  test('a bad scalar column value names the field without an index', () => {
    const [failed] = mixed.decode({ a: b64([11]), id: b64([1n], 'i64') });
    expect((failed as InferenceError).message).toBe('Invalid input at item 0, field a: must be ≤ 10, got 11');
  });

  test.each([
    [
      { pixels: b64([0, 0, 0, 0]) },
      'Invalid input at item 1, field pixels: must hold whole rows of 12 bytes (3 × float32); it has 16 bytes, so this row is incomplete',
    ],
    [
      { pixels: `${b64([0, 0, 0]).slice(0, 4)}!${b64([0, 0, 0]).slice(5)}` },
      'Invalid input at item 0, field pixels: is not base64: unexpected character at position 4',
    ],
    [
      { pixels: `${b64([0, 0, 0, 0, 0, 0]).slice(0, 20)} ${b64([0, 0, 0, 0, 0, 0]).slice(21)}` },
      'Invalid input at item 1, field pixels: is not base64: unexpected character at position 20',
    ],
    [{ pixels: 'AAAAA' }, 'Invalid input at item 0, field pixels: is not base64: its length leaves one character over'],
    [
      { pixels: [0, 0, 0] },
      'Invalid input at item 0, field pixels: must be a base64 string of little-endian float32 values',
    ],
    [{}, 'Invalid input at item 0, field pixels: is required'],
    [{ pixels: b64([0, 0, 0]), extra: 'AAAA' }, 'Invalid input at item 0, field extra: unknown field; expected pixels'],
  ])(
    'refuses columns it cannot read as a whole, naming the field and first unreadable row (%#)',
    (columns, expected) => {
      expect(failure(() => vector.decode(columns)).message).toBe(expected);
    },
  );

  test('columns must agree on the row count', () => {
    const error = failure(() => mixed.decode({ a: b64([1, 2, 3]), id: b64([1n, 2n], 'i64') }));
    expect(error.message).toBe('Invalid input at item 2, field id: has 2 rows but a has 3');
    expect(error.details).toEqual({ item: 2, field: 'id', reason: 'has 2 rows but a has 3' });
  });

  test('exists only for contracts whose inputs are all numeric', () => {
    const text = contract([{ tensor: 'text', dtype: 'string', fields: [{ name: 'word' }] }]);
    expect(ColumnCodec.supports(text)).toBe(false);
    expect(() => new ColumnCodec(text)).toThrow('the compact (column) form needs numeric inputs only');
  });
});

describe('base64Length', () => {
  test.each([
    ['', 0],
    ['AA', 1],
    ['AA==', 1],
    ['AAA', 2],
    ['AAA=', 2],
    ['AAAA', 3],
    ['AAAAA', undefined],
    ['AA=', undefined],
  ])('%j decodes to %s bytes', (text, bytes) => {
    expect(base64Length(text)).toBe(bytes);
  });
});
