import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { parquetWriteFile } from 'hyparquet-writer';
import { irisFlowers, mnistDigits } from './score-sample-data.js';

/**
 * Writes the sample inputs of `examples/score/` from real data, the same bytes on every run:
 * `npm run score:examples`. Then, for example:
 * `npm run score -- --model iris --input examples/score/iris.csv --output /tmp/iris.csv`.
 */
const folder = fileURLToPath(new URL('../../examples/score/', import.meta.url));

/** Four flowers of each species, with plant ids; one id shows CSV quoting (a comma and quotes). */
const PICKS = [0, 12, 25, 41, 50, 63, 77, 98, 100, 118, 131, 149];

async function main(): Promise<void> {
  await mkdir(folder, { recursive: true });
  const flowers = irisFlowers();
  const rows = PICKS.map((i, n) => ({
    id: n === 5 ? 'plant 106, bed "B"' : `plant-${String(101 + n)}`,
    ...flowers[i],
  }));

  // species is not a field of the iris contract: score ignores it, and it lets a reader check the labels.
  const header = ['id', 'sepalLength', 'sepalWidth', 'petalLength', 'petalWidth', 'species'] as const;
  await writeFile(join(folder, 'iris.csv'), stringify([[...header], ...rows.map((r) => header.map((key) => r[key]))]));
  await writeFile(join(folder, 'iris.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  parquetWriteFile({
    filename: join(folder, 'iris.parquet'),
    columnData: [
      { name: 'id', data: rows.map((r) => r.id), type: 'STRING' },
      ...(['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'] as const).map((name) => ({
        name,
        data: rows.map((r) => r[name]),
        type: 'DOUBLE' as const,
      })),
      { name: 'species', data: rows.map((r) => r.species), type: 'STRING' },
    ],
  });

  // One digit of each kind; `digit` is the true label, ignored by score like species above.
  const digits = mnistDigits(1).map((d) => ({ id: `mnist-${d.digit}-${d.index}`, digit: d.digit, pixels: d.pixels }));
  await writeFile(join(folder, 'mnist.jsonl'), digits.map((d) => JSON.stringify(d)).join('\n') + '\n');
  process.stdout.write(
    `wrote iris.csv, iris.jsonl, iris.parquet (${rows.length} rows each) and mnist.jsonl (${digits.length} digits) to ${folder}\n`,
  );
}

await main();
