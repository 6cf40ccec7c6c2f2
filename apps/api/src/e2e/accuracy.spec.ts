import { fileURLToPath } from 'node:url';
import { ModelRepository, type Prediction } from '@mserve/inference';
import { loadMnistSplit, sampleRows } from '@mserve/tools/datasets';
import { startServer, type TestServer } from './harness.js';

const MODELS = fileURLToPath(new URL('../../../../models', import.meta.url));

describe('accuracy through the API', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startServer();
  });
  afterAll(() => api.close());

  test('held-out digits: the API predicts exactly what the library predicts', async () => {
    const split = loadMnistSplit();
    const rows = sampleRows(split.test);

    const viaApi: number[] = [];
    for (let start = 0; start < rows.length; start += 500) {
      const inputs = rows.slice(start, start + 500).map((pixels) => ({ pixels }));
      const response = await api.graphql(
        'query Bulk($inputs: [MnistInput!]!) { mnistBatch(inputs: $inputs) { classIndex } }',
        { inputs },
      );
      expect(response.body.errors).toBeUndefined();
      viaApi.push(...(response.body.data?.mnistBatch as Array<{ classIndex: number }>).map((p) => p.classIndex));
    }

    const repository = await ModelRepository.open({ root: MODELS, only: ['mnist'] });
    await repository.ready();
    const viaLibrary = (await repository.get('mnist').predict(rows.map((pixels) => ({ pixels })))).map(
      (p) => (p as Prediction).classIndex as number,
    );
    await repository.close();

    const accuracy = (predicted: number[]) =>
      predicted.filter((c, i) => c === split.test.y[i]).length / split.test.count;
    expect(viaApi).toEqual(viaLibrary);
    expect(accuracy(viaApi)).toBe(accuracy(viaLibrary));
    expect(accuracy(viaApi)).toBeGreaterThanOrEqual(0.94);
  });
});
