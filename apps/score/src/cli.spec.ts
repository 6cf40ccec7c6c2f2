import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parquetWriteFile } from 'hyparquet-writer';
import { ModelRepository, type Prediction } from '@mserve/inference';
import { irisFlowers, mnistDigits, type IrisFlower } from '@mserve/tools/score-sample-data';
import { EXAMPLES, expected, jsonLines, MODELS, readJsonl, runCli, summaryOf, tempDir } from './testing/harness.js';

const FIELDS = ['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'] as const;

/** Twenty real flowers, every fifth of each species, with ids that need CSV quoting now and then. */
const flowers: Array<IrisFlower & { id: string }> = irisFlowers()
  .filter((_, i) => i % 7 === 0)
  .map((flower, i) => ({ id: i % 5 === 2 ? `plant ${i}, bed "${'ABC'[i % 3]}"` : `p${i}`, ...flower }));

const csvField = (value: string | number) =>
  typeof value === 'string' && /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : String(value);

describe('score CLI on the real models', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let repository: ModelRepository;
  let irisPredictions: Prediction[];

  beforeAll(async () => {
    dir = await tempDir('cli');
    repository = await ModelRepository.open({ root: MODELS, only: ['iris', 'mnist'] });
    await repository.ready();
    const results = await repository
      .get('iris')
      .predict(flowers.map((f) => Object.fromEntries(FIELDS.map((k) => [k, f[k]]))));
    irisPredictions = results.map((r) => {
      if (r instanceof Error) throw r;
      return r;
    });
  });
  afterAll(async () => {
    await repository.close();
    await dir.cleanup();
  });

  it('scores a CSV with a BOM, CRLF, blank lines, quoted ids and an extra column, in input order, equal to predict()', async () => {
    const input = join(dir.path, 'iris.csv');
    const lines = [
      'id,sepalLength,sepalWidth,petalLength,petalWidth,species',
      ...flowers.map((f) => [f.id, ...FIELDS.map((k) => f[k]), f.species].map(csvField).join(',')),
    ];
    lines.splice(4, 0, '', '   ');
    await writeFile(input, `\uFEFF${lines.join('\r\n')}\r\n`);
    const output = join(dir.path, 'iris.out.jsonl');

    const result = await runCli(['--model', 'iris', '--input', input, '--output', output]);

    expect(result.code).toBe(0);
    const rows = await readJsonl(output);
    expect(rows).toEqual(flowers.map((f, i) => ({ id: f.id, ...expected(irisPredictions[i]) })));
    expect(
      result.logs.find((log) => log.msg === 'ignoring columns that are not fields of iris: species'),
    ).toMatchObject({ ignoredColumns: ['species'] });
    expect(summaryOf(result)).toMatchObject({
      outcome: 'ok',
      read: flowers.length,
      scored: flowers.length,
      rejected: 0,
      output,
    });
    expect(await readdir(dir.path)).not.toContain('iris.out.jsonl.partial');
  });

  it('gives the same rows for JSONL and for a Parquet file written by hyparquet-writer', async () => {
    const jsonl = join(dir.path, 'iris.jsonl');
    await writeFile(jsonl, flowers.map((f) => JSON.stringify(f)).join('\n'));
    const parquet = join(dir.path, 'iris.parquet');
    parquetWriteFile({
      filename: parquet,
      columnData: [
        { name: 'id', data: flowers.map((f) => f.id), type: 'STRING' },
        ...FIELDS.map((name) => ({ name, data: flowers.map((f) => f[name]), type: 'FLOAT' as const })),
      ],
      rowGroupSize: 8,
    });
    const want = flowers.map((f, i) => ({ id: f.id, ...expected(irisPredictions[i]) }));
    for (const input of [jsonl, parquet]) {
      const result = await runCli(['--model', 'iris', '--input', input, '--output', '-']);
      expect(result.code).toBe(0);
      // FLOAT columns hold float32 values, which the model receives as float32 anyway: same predictions.
      expect(jsonLines(result.stdout)).toEqual(want);
    }
  });

  it('writes CSV output with one probability column per label, quoting ids, and numbers rows by line without an id column', async () => {
    const input = join(dir.path, 'noid.csv');
    await writeFile(
      input,
      `sepalLength,sepalWidth,petalLength,petalWidth\n\n${flowers
        .slice(0, 3)
        .map((f) => FIELDS.map((k) => f[k]).join(','))
        .join('\n')}\n`,
    );
    const byLine = await runCli(['--model', 'iris', '--input', input, '--output', join(dir.path, 'noid.csv.out.csv')]);
    expect(byLine.code).toBe(0);
    const records = parse(await readFile(join(dir.path, 'noid.csv.out.csv')), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(Object.keys(records[0])).toEqual([
      'line',
      'label',
      'classIndex',
      'confidence',
      'p_setosa',
      'p_versicolor',
      'p_virginica',
    ]);
    expect(records.map((r) => r.line)).toEqual(['3', '4', '5']);
    expect(records.map((r) => Number(r.p_setosa))).toEqual(
      irisPredictions.slice(0, 3).map((p) => p.probabilities?.[0]),
    );

    const withIds = join(dir.path, 'ids.jsonl');
    await writeFile(withIds, flowers.map((f) => JSON.stringify(f)).join('\n'));
    const result = await runCli(['--model', 'iris', '--input', withIds, '--output', '-', '--output-format', 'csv']);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.id)).toEqual(flowers.map((f) => f.id));
    expect(rows.map((r) => r.label)).toEqual(irisPredictions.map((p) => p.label));
  });

  it('scores real digits from a JSON array column, numbered pixels_0… columns and pixels0… columns alike', async () => {
    const digits = mnistDigits(2);
    const direct = await repository.get('mnist').predict(digits.map((d) => ({ pixels: d.pixels })));
    const want = direct.map((p, i) => ({ id: `d${i}`, ...expected(p as Prediction) }));

    const arrays = join(dir.path, 'mnist-arrays.csv');
    await writeFile(arrays, `id,pixels\n${digits.map((d, i) => `d${i},"${JSON.stringify(d.pixels)}"`).join('\n')}\n`);
    const numbered = (prefix: string) =>
      `id,${digits[0].pixels.map((_, k) => `${prefix}${k}`).join(',')}\n${digits.map((d, i) => `d${i},${d.pixels.join(',')}`).join('\n')}\n`;
    await writeFile(join(dir.path, 'mnist-underscored.csv'), numbered('pixels_'));
    await writeFile(join(dir.path, 'mnist-plain.csv'), numbered('pixels'));

    for (const name of ['mnist-arrays.csv', 'mnist-underscored.csv', 'mnist-plain.csv']) {
      const result = await runCli(['--model', 'mnist', '--input', join(dir.path, name), '--output', '-']);
      expect(result.code, result.stderr).toBe(0);
      expect(jsonLines(result.stdout)).toEqual(want);
    }
    expect(want.map((row) => row.label)).toEqual(digits.map((d) => String(d.digit)));
  });

  it('scores the committed examples: every iris flower and every digit gets its true label', async () => {
    for (const file of ['iris.csv', 'iris.jsonl', 'iris.parquet']) {
      const result = await runCli(['--model', 'iris', '--input', join(EXAMPLES, file), '--output', '-', '--quiet']);
      expect(result.code).toBe(0);
      expect(jsonLines(result.stdout).map((r) => r.label)).toEqual([
        'setosa',
        'setosa',
        'setosa',
        'setosa',
        'versicolor',
        'versicolor',
        'versicolor',
        'versicolor',
        'virginica',
        'virginica',
        'virginica',
        'virginica',
      ]);
    }
    const digits = await runCli([
      '--model',
      'mnist',
      '--input',
      join(EXAMPLES, 'mnist.jsonl'),
      '--output',
      '-',
      '--quiet',
    ]);
    expect(jsonLines(digits.stdout).map((r) => r.label)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('reads stdin and writes stdout, with a custom id column', async () => {
    const stdin = flowers
      .slice(0, 2)
      .map((f) => JSON.stringify({ key: f.id, ...Object.fromEntries(FIELDS.map((k) => [k, f[k]])) }))
      .join('\n');
    const result = await runCli(['--model', 'iris', '--input', '-', '--format', 'jsonl', '--id-column', 'key'], {
      stdin,
    });
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(
      flowers.slice(0, 2).map((f, i) => ({ id: f.id, ...expected(irisPredictions[i]) })),
    );
  });

  it('writes an empty output for an input with no rows', async () => {
    const input = join(dir.path, 'empty.csv');
    await writeFile(input, 'id,sepalLength,sepalWidth,petalLength,petalWidth\n');
    const output = join(dir.path, 'empty.out.jsonl');
    const result = await runCli(['--model', 'iris', '--input', input, '--output', output]);
    expect(result.code).toBe(0);
    expect(await readFile(output, 'utf8')).toBe('');
    expect(summaryOf(result)).toMatchObject({ read: 0, scored: 0, rejected: 0 });
  });

  it('stops with exit 130 and no output when interrupted', async () => {
    const output = join(dir.path, 'stopped.jsonl');
    const result = await runCli(['--model', 'iris', '--input', join(EXAMPLES, 'iris.csv'), '--output', output], {
      signal: AbortSignal.abort(),
    });
    expect(result.code).toBe(130);
    expect(summaryOf(result)).toMatchObject({ outcome: 'interrupted' });
    expect(existsSync(output) || existsSync(`${output}.partial`)).toBe(false);
  });
});
