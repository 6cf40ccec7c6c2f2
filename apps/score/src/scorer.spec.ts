import { inferenceError, parseModelConfig, type InferenceError, type Prediction, type Row } from '@mserve/inference';
import { BadRowError } from './exit-codes.js';
import type { SourceRow } from './readers.js';
import { RowMapper } from './row-mapper.js';
import { prepareHere, type PreparedSource } from './row-preparer.js';
import { scoreRows, type Predictor, type RejectedRow, type ScoredRow } from './scorer.js';

/** A one-field contract: enough for the pipeline, which never looks inside predictions. */
const config = parseModelConfig({
  description: 'test',
  task: 'classification',
  inputs: [{ tensor: 'x', fields: [{ name: 'x', min: 0 }] }],
  outputs: { p: { tensor: 'p', kind: 'probabilities' } },
  labels: ['a', 'b'],
  batching: { maxBatchSize: 4, maxQueueSize: 100, timeoutMs: 1000 },
});
const mapper = new RowMapper(config, { columnMap: new Map(), idColumn: 'id', textValues: false });

/**
 * Scores x (as the contract codec packed it) as a prediction whose confidence is x, and resolves
 * each call only when the test releases it, so completion order is up to the test.
 */
class FakeModel implements Predictor {
  readonly calls: Array<{ release: () => void }> = [];
  inFlight = 0;
  maxInFlight = 0;

  predictEncoded(rows: readonly Row[]): Promise<Array<Prediction | InferenceError>> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) => {
      const release = () => {
        this.inFlight--;
        resolve(
          rows.map((row) => {
            const x = (row.tensors.x.data as Float32Array)[0];
            return { label: 'a', classIndex: 0, confidence: x, probabilities: [x, 1 - x], outputs: {} };
          }),
        );
      };
      this.calls.push({ release });
    });
  }

  /** Releases pending calls newest first, as a reordering worst case. */
  releaseAllReversed(): void {
    for (const call of this.calls.splice(0).reverse()) call.release();
  }
}

async function* source(rows: SourceRow[], onPull?: (line: number) => void): AsyncGenerator<SourceRow> {
  for (const row of rows) {
    onPull?.(row.line);
    yield row;
  }
}

/** `rows` prepared in chunks of `batchSize`, as the CLI prepares a file. */
function prepared(rows: AsyncIterable<SourceRow>, batchSize: number): PreparedSource {
  return prepareHere({ rows, position: () => ({ done: 0, total: undefined }) }, mapper, config, batchSize);
}

const rowsOf = (xs: number[]): SourceRow[] => xs.map((x, i) => ({ line: i + 1, values: { id: `r${i + 1}`, x } }));

describe('scoreRows', () => {
  it('writes results in input order whatever order the calls complete in, with at most `concurrency` in flight', async () => {
    const model = new FakeModel();
    const written: ScoredRow[] = [];
    const timer = setInterval(() => model.releaseAllReversed(), 1);
    try {
      const counts = await scoreRows(prepared(source(rowsOf(Array.from({ length: 50 }, (_, i) => i / 100))), 4), {
        model,
        concurrency: 3,
        onError: 'fail',
        writeScored: async (rows) => void written.push(...rows),
        writeRejected: async () => undefined,
      });
      expect(counts).toEqual({ read: 50, scored: 50, rejected: 0 });
    } finally {
      clearInterval(timer);
    }
    expect(written.map((r) => r.key)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i + 1}`));
    expect(written.map((r) => r.prediction.confidence)).toEqual(
      Array.from({ length: 50 }, (_, i) => Math.fround(i / 100)),
    );
    expect(model.maxInFlight).toBe(3);
  });

  it('stops pulling rows while the writer is busy (backpressure)', async () => {
    const model = new FakeModel();
    let pulled = 0;
    let releaseWriter: () => void = () => undefined;
    const firstWrite = new Promise<void>((resolve) => (releaseWriter = resolve));
    const writes: number[] = [];
    const done = scoreRows(
      prepared(
        source(rowsOf(Array.from({ length: 40 }, () => 0.5)), () => pulled++),
        4,
      ),
      {
        model,
        concurrency: 2,
        onError: 'fail',
        writeScored: async (rows) => {
          writes.push(rows.length);
          if (writes.length === 1) await firstWrite;
        },
        writeRejected: async () => undefined,
      },
    );
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const timer = setInterval(() => model.releaseAllReversed(), 1);
    try {
      while (writes.length === 0) await tick();
      for (let i = 0; i < 20; i++) await tick();
      // The two chunks in flight (the first one being written) and not one row more.
      expect(pulled).toBe(8);
      releaseWriter();
      expect(await done).toEqual({ read: 40, scored: 40, rejected: 0 });
    } finally {
      clearInterval(timer);
    }
  });

  it('under skip, hands rejected rows on with their line, id and reason, and accounts for every row', async () => {
    const model = new FakeModel();
    const timer = setInterval(() => model.releaseAllReversed(), 1);
    const scored: ScoredRow[] = [];
    const rejected: RejectedRow[] = [];
    const rows: SourceRow[] = [
      ...rowsOf([0.1, -3, 0.3]),
      { line: 4, malformed: 'malformed JSON: oops' },
      { line: 5, values: { id: 'r5', x: 0.5 } },
    ];
    try {
      const counts = await scoreRows(prepared(source(rows), 2), {
        model,
        concurrency: 2,
        onError: 'skip',
        writeScored: async (chunk) => void scored.push(...chunk),
        writeRejected: async (chunk) => void rejected.push(...chunk),
      });
      expect(counts).toEqual({ read: 5, scored: 3, rejected: 2 });
    } finally {
      clearInterval(timer);
    }
    expect(scored.map((r) => r.key)).toEqual(['r1', 'r3', 'r5']);
    expect(rejected).toEqual([
      { line: 2, id: 'r2', field: 'x', code: 'BAD_USER_INPUT', reason: 'must be ≥ 0, got -3' },
      { line: 4, id: null, field: '(row)', code: 'MALFORMED_ROW', reason: 'malformed JSON: oops' },
    ]);
  });

  it('under fail, writes the rows before the first bad one, then throws naming its line and field', async () => {
    const model = new FakeModel();
    const timer = setInterval(() => model.releaseAllReversed(), 1);
    const scored: ScoredRow[] = [];
    try {
      const run = scoreRows(prepared(source(rowsOf([0.1, 0.2, 0.3, -3, 0.5])), 2), {
        model,
        concurrency: 2,
        onError: 'fail',
        writeScored: async (chunk) => void scored.push(...chunk),
        writeRejected: async () => expect.fail('no rejects under fail'),
      });
      await expect(run).rejects.toThrow(
        new BadRowError({ line: 4, field: 'x', code: 'BAD_USER_INPUT', reason: 'must be ≥ 0, got -3' }),
      );
    } finally {
      clearInterval(timer);
    }
    expect(scored.map((r) => r.key)).toEqual(['r1', 'r2', 'r3']);
  });

  it('names rows by line when the first row has no id column', async () => {
    const model = new FakeModel();
    const timer = setInterval(() => model.releaseAllReversed(), 1);
    const keys: unknown[] = [];
    try {
      await scoreRows(
        prepared(
          source([
            { line: 3, values: { x: 0.1 } },
            { line: 9, values: { x: 0.2 } },
          ]),
          10,
        ),
        {
          model,
          concurrency: 1,
          onError: 'fail',
          onLayout: ({ key, ignoredColumns }) => keys.push(key, ignoredColumns),
          writeScored: async (rows, key) => void keys.push(key, ...rows.map((r) => r.key)),
          writeRejected: async () => undefined,
        },
      );
    } finally {
      clearInterval(timer);
    }
    expect(keys).toEqual(['line', [], 'line', 3, 9]);
  });

  it('stops the run on an error that is not the row’s fault (a timeout) rather than rejecting good rows', async () => {
    const model: Predictor = {
      predictEncoded: async (rows) => rows.map(() => inferenceError('TIMEOUT', { timeoutMs: 5, model: 'm@1' })),
    };
    const run = scoreRows(prepared(source(rowsOf([0.1])), 1), {
      model,
      concurrency: 1,
      onError: 'skip',
      writeScored: async () => undefined,
      writeRejected: async () => undefined,
    });
    await expect(run).rejects.toThrow(
      'scoring the row at line 1 failed: Deadline of 5 ms passed before model m@1 ran the row',
    );
  });
});
