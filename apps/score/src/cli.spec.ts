import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parquetWriteFile } from 'hyparquet-writer';
import { ModelRepository, type Prediction } from '@mserve/inference';
import { HELP_TEXT } from './cli-options.js';
import { irisFlowers, mnistDigits, type IrisFlower } from '@mserve/tools/score-sample-data';
import { jsonLines, readJsonl, runCli, summaryOf, tempDir } from './testing/harness.js';

const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/score', import.meta.url));
const FIELDS = ['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'] as const;

/** Twenty real flowers, every fifth of each species, with ids that need CSV quoting now and then. */
const flowers: Array<IrisFlower & { id: string }> = irisFlowers()
  .filter((_, i) => i % 7 === 0)
  .map((flower, i) => ({ id: i % 5 === 2 ? `plant ${i}, bed "${'ABC'[i % 3]}"` : `p${i}`, ...flower }));

const csvField = (value: string | number) =>
  typeof value === 'string' && /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : String(value);

/** The output fields of a prediction, as the JSONL writer prints them. */
const expected = (p: Prediction) => ({
  label: p.label,
  classIndex: p.classIndex,
  confidence: p.confidence,
  probabilities: p.probabilities,
});

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

  describe('bad rows', () => {
    const badCsv = [
      'id,sepalLength,sepalWidth,petalLength,petalWidth,species',
      'a,5.1,3.5,1.4,0.2,setosa',
      'b,NaN,3.0,1.4,0.2,setosa',
      'c,5.0,Infinity,1.4,0.2,setosa',
      'd,6.3,2.9,5.6,-3,virginica',
      'e,6.3,2.9,,1.8,virginica',
      'f,6.3,2.9',
      'g,4.9,3.0,1.4,abc,setosa',
      'h,6.4,3.2,4.5,1.5,versicolor',
    ].join('\n');

    it('--on-error fail stops at the first bad row with its line, field and reason, exits 2 and keeps no output', async () => {
      const input = join(dir.path, 'bad.csv');
      await writeFile(input, badCsv);
      const output = join(dir.path, 'bad.out.jsonl');
      const result = await runCli(['--model', 'iris', '--input', input, '--output', output]);
      expect(result.code).toBe(2);
      const error = result.logs.find((log) => log.level === 'error');
      expect(error).toMatchObject({
        line: 3,
        field: 'sepalLength',
        code: 'BAD_USER_INPUT',
        reason: 'must be a finite number, got NaN',
      });
      expect(error?.msg).toBe(
        'Bad row at line 3, field sepalLength: must be a finite number, got NaN (BAD_USER_INPUT); rerun with --on-error skip to write bad rows to a rejects file and score the rest',
      );
      expect(summaryOf(result)).toMatchObject({ outcome: 'failed' });
      expect(existsSync(output)).toBe(false);
      expect(existsSync(`${output}.partial`)).toBe(false);
    });

    it('--on-error fail stops at a malformed line too', async () => {
      const input = join(dir.path, 'malformed.jsonl');
      await writeFile(
        input,
        '{"sepalLength":5.1,"sepalWidth":3.5,"petalLength":1.4,"petalWidth":0.2}\n{"sepalLength":5.1,\n',
      );
      const result = await runCli([
        '--model',
        'iris',
        '--input',
        input,
        '--output',
        join(dir.path, 'malformed.out.jsonl'),
      ]);
      expect(result.code).toBe(2);
      expect(result.logs.find((log) => log.level === 'error')).toMatchObject({
        line: 2,
        field: '(row)',
        code: 'MALFORMED_ROW',
      });
    });

    it('--on-error skip writes each bad row to the rejects file and scores the rest: scored + rejected = read', async () => {
      const input = join(dir.path, 'skip.csv');
      await writeFile(input, badCsv);
      const output = join(dir.path, 'skip.out.jsonl');
      const result = await runCli(['--model', 'iris', '--input', input, '--output', output, '--on-error', 'skip']);
      expect(result.code).toBe(0);
      expect((await readJsonl(output)).map((r) => [r.id, r.label])).toEqual([
        ['a', 'setosa'],
        ['h', 'versicolor'],
      ]);
      expect(await readJsonl(`${output}.rejects.jsonl`)).toEqual([
        { line: 3, id: 'b', field: 'sepalLength', code: 'BAD_USER_INPUT', reason: 'must be a finite number, got NaN' },
        {
          line: 4,
          id: 'c',
          field: 'sepalWidth',
          code: 'BAD_USER_INPUT',
          reason: 'must be a finite number, got Infinity',
        },
        { line: 5, id: 'd', field: 'petalWidth', code: 'BAD_USER_INPUT', reason: 'must be ≥ 0, got -3' },
        { line: 6, id: 'e', field: 'petalLength', code: 'BAD_USER_INPUT', reason: 'is required' },
        {
          line: 7,
          id: null,
          field: '(row)',
          code: 'MALFORMED_ROW',
          reason: 'malformed CSV: the record has 3 fields, the header has 6',
        },
        { line: 8, id: 'g', field: 'petalWidth', code: 'BAD_USER_INPUT', reason: 'must be a number, got a string' },
      ]);
      expect(summaryOf(result)).toMatchObject({ outcome: 'ok', read: 8, scored: 2, rejected: 6 });
    });

    it('a missing column rejects every row for that field; --map fixes it', async () => {
      const input = join(dir.path, 'renamed.csv');
      await writeFile(input, 'id,sepalLength,sepalWidth,petalLength,petal_width\na,5.1,3.5,1.4,0.2\n');
      const missing = await runCli(['--model', 'iris', '--input', input, '--output', '-']);
      expect(missing.code).toBe(2);
      expect(missing.logs.find((log) => log.level === 'error')).toMatchObject({
        line: 2,
        field: 'petalWidth',
        reason: 'is required',
      });
      const mapped = await runCli([
        '--model',
        'iris',
        '--input',
        input,
        '--output',
        '-',
        '--map',
        'petal_width=petalWidth',
      ]);
      expect(mapped.code).toBe(0);
      expect(jsonLines(mapped.stdout)).toMatchObject([{ id: 'a', label: 'setosa' }]);
    });
  });

  describe('parse threads (JSONL)', () => {
    /**
     * 300 real digits with every kind of row a file can hold: a malformed first line (so the layout
     * comes from a later block), blank and CRLF lines, a pixel out of range, a short list, a missing
     * field, a line that is not an object; in blocks of 16 lines, so the rows span many blocks.
     */
    const digits = mnistDigits(30);
    const lines = digits.map((d, i) => JSON.stringify({ id: `d${i}`, pixels: d.pixels }));
    lines[0] = '{"id":"d0","pixels":[0,0';
    lines[40] = '';
    lines[41] = `${lines[41]}\r`;
    lines[77] = JSON.stringify({ id: 'd77', pixels: digits[77].pixels.map((v, k) => (k === 300 ? 2 : v)) });
    lines[150] = JSON.stringify({ id: 'd150', pixels: digits[150].pixels.slice(1) });
    lines[151] = JSON.stringify({ id: 'd151' });
    lines[299] = '[1,2,3]';
    const args = (input: string, threads: number, ...more: string[]) => [
      '--model',
      'mnist',
      '--input',
      input,
      '--batch-size',
      '16',
      '--parse-threads',
      String(threads),
      '--quiet',
      ...more,
    ];

    it('give the output, rejects and summary of parsing on the main thread, rows equal to predict()', async () => {
      const input = join(dir.path, 'digits.jsonl');
      await writeFile(input, `${lines.join('\n')}\n`);
      const runs = [];
      for (const threads of [0, 2]) {
        const output = join(dir.path, `digits-${threads}.out.jsonl`);
        const result = await runCli(args(input, threads, '--output', output, '--on-error', 'skip'));
        expect(result.code, result.stderr).toBe(0);
        runs.push({
          output: await readFile(output, 'utf8'),
          rejects: await readFile(`${output}.rejects.jsonl`, 'utf8'),
          summary: summaryOf(result),
        });
      }
      expect(runs[1].output).toBe(runs[0].output);
      expect(runs[1].rejects).toBe(runs[0].rejects);
      expect(runs[1].summary).toMatchObject({ read: 299, scored: 294, rejected: 5 });
      expect(jsonLines(runs[1].rejects).map((r) => [r.line, r.field, r.code])).toEqual([
        [1, '(row)', 'MALFORMED_ROW'],
        [78, 'pixels[300]', 'BAD_USER_INPUT'],
        [151, 'pixels', 'BAD_USER_INPUT'],
        [152, 'pixels', 'BAD_USER_INPUT'],
        [300, '(row)', 'MALFORMED_ROW'],
      ]);
      const good = digits.map((d, i) => ({ id: `d${i}`, d })).filter((_, i) => ![0, 40, 77, 150, 151, 299].includes(i));
      const direct = await repository.get('mnist').predict(good.map(({ d }) => ({ pixels: d.pixels })));
      expect(jsonLines(runs[1].output)).toEqual(
        good.map(({ id }, i) => ({ id, ...expected(direct[i] as Prediction) })),
      );
    });

    it('stop at the first bad row under fail, as the main thread does', async () => {
      const input = join(dir.path, 'digits-fail.jsonl');
      await writeFile(input, `${lines.slice(1).join('\n')}\n`);
      const result = await runCli(args(input, 2, '--output', join(dir.path, 'digits-fail.out.jsonl')));
      expect(result.code).toBe(2);
      expect(result.logs.find((log) => log.level === 'error')).toMatchObject({
        line: 77,
        field: 'pixels[300]',
        code: 'BAD_USER_INPUT',
        reason: 'must be ≤ 1, got 2',
      });
      expect(existsSync(join(dir.path, 'digits-fail.out.jsonl'))).toBe(false);
    });
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

  describe('usage and I/O errors', () => {
    const iris = join(EXAMPLES, 'iris.csv');

    it('prints the help text on --help, listing every option', async () => {
      const result = await runCli(['--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${HELP_TEXT}\n`);
      for (const flag of [
        '--model',
        '--version',
        '--models-dir',
        '--input',
        '--format',
        '--output',
        '--output-format',
        '--id-column',
        '--map',
        '--on-error',
        '--rejects',
        '--batch-size',
        '--concurrency',
        '--threads',
        '--quiet',
        '--progress-interval',
        '--help',
      ]) {
        expect(HELP_TEXT).toContain(flag);
      }
    });

    it.each([
      [['--input', iris], '--model is required, e.g. --model iris'],
      [['--model', 'iris'], '--input is required: a CSV, JSONL or Parquet file, or - for stdin'],
      [['--model', 'iris', '--input', iris, '--bogus'], "Unknown option '--bogus'"],
      [
        ['--model', 'iris', '--input', iris, '--on-error', 'ignore'],
        '--on-error must be one of fail, skip, got "ignore"',
      ],
      [['--model', 'iris', '--input', iris, '--batch-size', '0'], '--batch-size must be an integer ≥ 1, got "0"'],
      [['--model', 'iris', '--input', '-'], '--format is required when the input is - (stdin): csv or jsonl'],
      [
        ['--model', 'iris', '--input', 'data.txt'],
        `cannot tell the format of ${join(process.cwd(), 'data.txt')} from its extension: name it .csv, .jsonl or .parquet, or pass --format`,
      ],
      [
        ['--model', 'iris', '--input', iris, '--on-error', 'skip'],
        '--rejects <file> is required with --on-error skip when the output is - (stdout)',
      ],
      [
        ['--model', 'iris', '--input', iris, '--map', 'a'],
        '--map takes column=field pairs separated by commas, got "a"',
      ],
    ])('exits 1 with a message and the help text for %j', async (argv, message) => {
      const result = await runCli(argv);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`score: ${message}`);
      expect(result.stderr).toContain(HELP_TEXT);
    });

    it.each([
      [['--model', 'irs'], `unknown model "irs": ${MODELS} holds iris, mnist`],
      [['--model', 'iris', '--version', '9'], 'Model iris not found: it has no version 9; its versions are 1'],
      [
        ['--model', 'iris', '--map', 'x=petal'],
        '--map names "petal", not a field of the model; its fields are sepalLength, sepalWidth, petalLength, petalWidth',
      ],
      [
        ['--model', 'iris', '--batch-size', '10000', '--concurrency', '4'],
        "--batch-size 10000 × --concurrency 4 exceeds iris's queue of 20000 rows (batching.maxQueueSize)",
      ],
    ])('exits 1 with a message naming the problem for %j', async (argv, message) => {
      const output = join(dir.path, 'usage.jsonl');
      const result = await runCli([...argv, '--input', iris, '--output', output]);
      expect(result.code).toBe(1);
      expect(result.stderr.endsWith(`score: ${message}\n`)).toBe(true);
      expect(existsSync(output) || existsSync(`${output}.partial`)).toBe(false);
    });

    it('exits 3 when the input is missing or the output cannot be written', async () => {
      const missing = await runCli(['--model', 'iris', '--input', join(dir.path, 'nope.csv')]);
      expect(missing.code).toBe(3);
      expect(missing.logs.find((log) => log.level === 'error')?.msg).toBe(
        `cannot read input ${join(dir.path, 'nope.csv')}: ENOENT`,
      );
      const unwritable = await runCli([
        '--model',
        'iris',
        '--input',
        iris,
        '--output',
        join(dir.path, 'no-such-dir', 'out.jsonl'),
      ]);
      expect(unwritable.code).toBe(3);
      expect(unwritable.logs.find((log) => log.level === 'error')?.msg).toMatch(
        /^cannot write .*no-such-dir\/out\.jsonl: ENOENT/,
      );
    });
  });
});
