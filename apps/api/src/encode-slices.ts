import { setImmediate as nextTurn } from 'node:timers/promises';
import type { InferenceError, LoadedModel, Row } from '@mserve/inference';

/** Input elements checked and packed per slice: a few milliseconds of work. */
const SLICE_ELEMENTS = 1 << 18;

/**
 * `model.encode(items, indices)`, a slice of rows at a time with a turn of the event loop between
 * slices, so a request at the row limit (10,000 mnist rows are 7.8M numbers to check and pack) does
 * not hold the loop for the whole of it. Requests of one slice or less are encoded at once, as before.
 */
export async function encodeInSlices(
  model: LoadedModel,
  items: readonly unknown[],
  indices?: readonly number[],
): Promise<Array<Row | InferenceError>> {
  const perRow = model.config.inputs.reduce((sum, input) => sum + input.size, 0);
  const sliceRows = Math.max(64, Math.floor(SLICE_ELEMENTS / Math.max(1, perRow)));
  if (items.length <= sliceRows) return model.encode(items, indices);
  const encoded: Array<Row | InferenceError> = [];
  for (let start = 0; start < items.length; start += sliceRows) {
    if (start > 0) await nextTurn();
    const end = Math.min(items.length, start + sliceRows);
    const numbers = indices?.slice(start, end) ?? Array.from({ length: end - start }, (_, i) => start + i);
    for (const entry of model.encode(items.slice(start, end), numbers)) encoded.push(entry);
  }
  return encoded;
}
