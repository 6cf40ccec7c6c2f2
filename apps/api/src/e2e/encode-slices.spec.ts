import { startServer, type TestServer } from './harness.js';

/**
 * A request of many rows is checked and packed a slice at a time (encode-slices.ts), with turns of
 * the event loop between slices: its answers are the same as for the rows sent one slice at a time,
 * and a bad row is still named by its index in the whole request.
 */
describe('rows encoded in slices', () => {
  let api: TestServer;
  const QUERY = 'query($r: [MnistInput!]!) { mnistBatch(inputs: $r) { label probabilities } }';

  beforeAll(async () => {
    api = await startServer({ models: ['mnist'] });
  });
  afterAll(async () => {
    await api?.close();
  });

  test('700 mnist rows (three slices) answer as the same rows in small requests, bad rows by index', async () => {
    const rows = Array.from({ length: 700 }, (_, i) => ({
      pixels: Array.from({ length: 784 }, (_, k) => ((i * 31 + k * 7) % 255) / 255),
    }));
    rows[100] = { pixels: [1, 2, 3] };
    rows[600] = { pixels: [1, 2, 3] };
    const whole = await api.graphql(QUERY, { r: rows });
    expect(whole.status).toBe(200);
    const answers = whole.body.data?.mnistBatch as Array<{ label: string } | null>;
    expect(answers).toHaveLength(700);
    expect(answers[100]).toBeNull();
    expect(answers[600]).toBeNull();
    expect(whole.body.errors?.map((e) => e.path)).toEqual([
      ['mnistBatch', 100],
      ['mnistBatch', 600],
    ]);
    expect(whole.body.errors?.[1]?.message).toContain('600');

    const pieces: unknown[] = [];
    for (let start = 0; start < 700; start += 100) {
      const piece = await api.graphql(QUERY, { r: rows.slice(start, start + 100) });
      pieces.push(...(piece.body.data?.mnistBatch as unknown[]));
    }
    expect(answers).toEqual(pieces);
  });
});
