import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonLines, readJsonl, runCli, summaryOf, tempDir } from './testing/harness.js';

describe('score CLI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('cli-bad');
  });
  afterAll(() => dir.cleanup());

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
});
