/**
 * What the load benchmark sends: GraphQL request bodies for each traffic shape and scenario, built
 * from a model's contract. mnist gets real held-out digits (so JSON bodies have their real size:
 * many zeros, long decimals elsewhere); other models get seeded random values inside each field's
 * range.
 */
import { DTYPES, type DType, type ModelConfig } from '@mserve/inference';
import { ColumnCodec } from '@mserve/inference/tensors';
import type { Traffic } from './bench-report.js';
import { typeNames } from './codegen-render.js';
import { loadMnistSplit, sampleRows } from './datasets.js';
import { mulberry32 } from './prng.js';

/** One input row as a client sends it: field name → number or list of numbers. */
export type Item = Record<string, number | number[]>;

/** `count` rows for `model`: real digits for mnist, random in-range values otherwise. */
export function benchItems(model: string, config: ModelConfig, count: number, seed = 1): Item[] {
  if (model === 'mnist') {
    const digits = sampleRows(loadMnistSplit().test);
    return Array.from({ length: count }, (_, i) => ({ pixels: digits[(i * 7919) % digits.length] }));
  }
  const random = mulberry32(seed);
  const value = (min = 0, max = 1) => min + random() * (max - min);
  return Array.from({ length: count }, () =>
    Object.fromEntries(
      config.inputs.flatMap((input) =>
        input.fields.map((field) => {
          const draw = () =>
            input.dtype === 'int32' || input.dtype === 'int64'
              ? Math.round(value(field.min ?? 0, field.max ?? 10))
              : value(field.min, field.max);
          return [field.name, field.length === undefined ? draw() : Array.from({ length: field.length }, draw)];
        }),
      ),
    ),
  );
}

/** The compact form of `items`: per field, the base64 of its little-endian values, row after row. */
export function toColumns(config: ModelConfig, items: readonly Item[]): Record<string, string> {
  const columns: Record<string, string> = {};
  for (const input of config.inputs) {
    const dtype: DType = input.dtype;
    for (const field of input.fields) {
      const length = field.size;
      const values = items.flatMap((item) => {
        const v = item[field.name] ?? (field.default as number);
        return Array.isArray(v) ? v : [v];
      });
      if (values.length !== items.length * length)
        throw new Error(`field ${field.name}: expected ${length} values per row`);
      const array =
        dtype === 'int64'
          ? BigInt64Array.from(values, (v) => BigInt(v))
          : new (DTYPES[dtype].array as Float32ArrayConstructor)(values);
      columns[field.name] = Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
    }
  }
  return columns;
}

export interface Bodies {
  /** Request bodies, sent in turn. */
  bodies: string[];
  rowsPerRequest: number;
}

/** Bodies for one traffic shape, asking for the model's field. */
export function bodiesFor(
  model: string,
  config: ModelConfig,
  traffic: Traffic,
  options: { bulkRows: number; variants?: number },
): Bodies {
  const n = typeNames(model);
  const selection = config.task === 'classification' ? '{ label confidence }' : `{ ${Object.keys(config.outputs)[0]} }`;
  const variants = options.variants ?? (traffic === 'single' ? 64 : 4);
  const rows = traffic === 'single' ? 1 : options.bulkRows;
  const items = benchItems(model, config, variants * rows);
  const bodies: string[] = [];
  for (let v = 0; v < variants; v++) {
    const slice = items.slice(v * rows, (v + 1) * rows);
    if (traffic === 'single') {
      bodies.push(
        JSON.stringify({
          query: `query Predict($input: ${n.input}!) { ${n.single}(input: $input) ${selection} }`,
          variables: { input: slice[0] },
        }),
      );
    } else if (traffic === 'bulk-json') {
      bodies.push(
        JSON.stringify({
          query: `query Bulk($inputs: [${n.input}!]!) { ${n.batch}(inputs: $inputs) ${selection} }`,
          variables: { inputs: slice },
        }),
      );
    } else {
      if (!ColumnCodec.supports(config))
        throw new Error(`model ${model} has non-numeric inputs: it has no compact form`);
      bodies.push(
        JSON.stringify({
          query: `query Compact($columns: ${n.columns}!) { ${n.compact}(columns: $columns) ${selection} }`,
          variables: { columns: toColumns(config, slice) },
        }),
      );
    }
  }
  return { bodies, rowsPerRequest: rows };
}

/** The cheapest request there is: `{ __typename }` (HTTP and GraphQL overhead alone). */
export const TYPENAME_BODY = JSON.stringify({ query: '{ __typename }' });
