import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HELP_TEXT } from './cli-options.js';
import { EXAMPLES, MODELS, runCli, tempDir } from './testing/harness.js';

describe('score CLI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('cli-usage');
  });
  afterAll(() => dir.cleanup());

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
