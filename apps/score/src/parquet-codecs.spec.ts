import { fileURLToPath } from 'node:url';
import { jsonLines, runCli } from './testing/harness.js';

/**
 * Parquet as users have it: one small iris file per codec common writers use, in
 * apps/score/fixtures/ (written by hyparquet-writer, its pages compressed by the real codecs:
 * zlib's gzip and brotli, the zstd command, an LZ4 raw block). Each reads and scores alike.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('Parquet codecs', () => {
  let want: unknown[] | undefined;

  it.each(['zstd', 'gzip', 'brotli', 'lz4_raw'])('reads and scores a %s file', async (codec) => {
    const result = await runCli(['--model', 'iris', '--input', `${FIXTURES}iris-${codec}.parquet`, '--output', '-']);
    expect(result.code).toBe(0);
    const rows = jsonLines(result.stdout) as Array<{ id: string; label: string }>;
    expect(rows.map((r) => r.id)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
    expect(rows.map((r) => r.label)).toEqual([
      'setosa',
      'versicolor',
      'virginica',
      'setosa',
      'versicolor',
      'virginica',
    ]);
    want ??= rows;
    expect(rows).toEqual(want);
  });
});
