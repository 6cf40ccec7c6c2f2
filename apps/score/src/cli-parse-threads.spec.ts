import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelRepository, type Prediction } from '@mserve/inference';
import { mnistDigits } from '@mserve/tools/score-sample-data';
import { expected, jsonLines, MODELS, runCli, summaryOf, tempDir } from './testing/harness.js';

describe('score CLI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let repository: ModelRepository;
  beforeAll(async () => {
    dir = await tempDir('cli-threads');
    repository = await ModelRepository.open({ root: MODELS, only: ['mnist'] });
    await repository.ready();
  });
  afterAll(async () => {
    await repository.close();
    await dir.cleanup();
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
});
