import { InferenceError } from './errors.js';
import { rowsFromTensors } from './raw-tensors.js';
import type { TensorSignature } from './worker-protocol.js';

const signature: TensorSignature[] = [{ name: 'x', type: 'float32', shape: ['batch', 4], isTensor: true }];
/** The API's fast path hands a long list of numbers over as a Float64Array, read from the body. */
const asValues = (values: Float64Array) => values as unknown as number[];

describe('rowsFromTensors', () => {
  test('a tensor of several slices (2.4M values) is converted whole, row by row', async () => {
    const rows = 600_000;
    const values = Float64Array.from({ length: rows * 4 }, (_, i) => (i % 1000) / 7);
    const result = await rowsFromTensors(signature, [{ name: 'x', shape: [rows, 4], values: asValues(values) }]);
    expect(result).toHaveLength(rows);
    const last = result[rows - 1].tensors.x.data as Float32Array;
    expect(Array.from(last)).toEqual(Array.from(values.subarray(values.length - 4)).map(Math.fround));
    const plain = await rowsFromTensors(signature, [{ name: 'x', shape: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 8] }]);
    expect(Array.from(plain[1].tensors.x.data as Float32Array)).toEqual([5, 6, 7, 8]);
  });

  test('a value that is not finite in float32 is named by its index in the whole tensor, past the first slice', async () => {
    const values = new Float64Array(2_000_000 * 4).fill(0.5);
    values[1_500_001] = 1e300;
    const failed = await rowsFromTensors(signature, [
      { name: 'x', shape: [2_000_000, 4], values: asValues(values) },
    ]).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(InferenceError);
    expect((failed as InferenceError).message).toContain('inputs.x[1500001]: must be a finite number, got Infinity');
  });
});
