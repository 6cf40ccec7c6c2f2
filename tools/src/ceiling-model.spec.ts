import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelRepository } from '@mserve/inference';
import { writeCeilingModels } from './ceiling-model.js';

const MODELS = fileURLToPath(new URL('../../models', import.meta.url));

describe('writeCeilingModels', () => {
  test('serves the model’s own contract from a repository of its own, and removes it', async () => {
    const ceiling = writeCeilingModels(MODELS, 'mnist');
    try {
      expect(readFileSync(join(ceiling.root, 'mnist', 'config.json'), 'utf8')).toBe(
        readFileSync(join(MODELS, 'mnist', 'config.json'), 'utf8'),
      );
      // Far smaller than the real network: one 784-10 layer.
      expect(readFileSync(join(ceiling.root, 'mnist', '1', 'model.onnx')).length).toBeLessThan(
        readFileSync(join(MODELS, 'mnist', '1', 'model.onnx')).length / 20,
      );
      const repository = await ModelRepository.open({ root: ceiling.root });
      try {
        await repository.ready();
        const [prediction] = await repository.get('mnist').predict([{ pixels: new Array<number>(784).fill(0.5) }]);
        expect(prediction).toMatchObject({ label: expect.stringMatching(/^[0-9]$/) });
        // The contract checks still run: a bad row is refused as by the real model.
        const [refused] = await repository.get('mnist').predict([{ pixels: [2] }]);
        expect(refused).toBeInstanceOf(Error);
      } finally {
        await repository.close();
      }
    } finally {
      ceiling.dispose();
    }
    expect(existsSync(ceiling.root)).toBe(false);
  });

  test('stands in for a model of scalar fields too (iris: four fields, one tensor)', async () => {
    const ceiling = writeCeilingModels(MODELS, 'iris');
    const repository = await ModelRepository.open({ root: ceiling.root });
    try {
      await repository.ready();
      const [prediction] = await repository
        .get('iris')
        .predict([{ sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 }]);
      expect(prediction).toMatchObject({ label: expect.stringMatching(/^(setosa|versicolor|virginica)$/) });
    } finally {
      await repository.close();
      ceiling.dispose();
    }
  });
});
