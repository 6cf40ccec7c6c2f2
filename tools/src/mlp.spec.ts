import type { Samples } from './datasets.js';
import { fit } from './fit.js';
import { accuracy, Backprop, createMlp, predictProbabilities, type Mlp } from './mlp.js';
import { mulberry32 } from './prng.js';

/** Mean cross-entropy of `rows` rows through a fresh forward pass. */
function meanLoss(mlp: Mlp, x: Float32Array, labels: number[]): number {
  const pass = new Backprop(mlp, labels.length);
  pass.input.set(x);
  return pass.run(labels.length, labels).lossSum / labels.length;
}

describe('Backprop', () => {
  it('matches central finite differences of the loss for every parameter', () => {
    const random = mulberry32(3);
    const mlp = createMlp([3, 5, 4], random);
    mlp.layers.forEach((layer) => layer.bias.forEach((_, j) => (layer.bias[j] = random() - 0.5)));
    const x = Float32Array.from({ length: 6 * 3 }, () => random() * 2 - 1);
    const labels = [0, 1, 2, 3, 1, 0];
    const pass = new Backprop(mlp, labels.length);
    pass.input.set(x);
    pass.run(labels.length, labels);

    // Small enough that no ReLU input crosses 0 within ±h, large enough for float32 losses.
    const h = 1e-3;
    mlp.layers.forEach((layer, l) => {
      const pairs: Array<[Float32Array, Float32Array]> = [
        [layer.weights, pass.gradients.weights[l]],
        [layer.bias, pass.gradients.biases[l]],
      ];
      for (const [parameter, gradient] of pairs) {
        for (let i = 0; i < parameter.length; i++) {
          const saved = parameter[i];
          parameter[i] = saved + h;
          const up = meanLoss(mlp, x, labels);
          parameter[i] = saved - h;
          const down = meanLoss(mlp, x, labels);
          parameter[i] = saved;
          expect(gradient[i]).toBeCloseTo((up - down) / (2 * h), 3);
        }
      }
    });
  });

  it('outputs rows of probabilities that sum to 1', () => {
    const mlp = createMlp([2, 8, 3], mulberry32(1));
    const probabilities = predictProbabilities(mlp, Float32Array.from([0.5, -1, 3, 2, 0, 0]));
    expect(probabilities).toHaveLength(9);
    for (let r = 0; r < 3; r++) {
      expect(probabilities[r * 3] + probabilities[r * 3 + 1] + probabilities[r * 3 + 2]).toBeCloseTo(1, 6);
    }
  });
});

describe('fit', () => {
  it('drives the loss down and separates two clusters', () => {
    const random = mulberry32(9);
    const count = 200;
    const y = Array.from({ length: count }, (_, i) => i % 2);
    const x = Float32Array.from({ length: count * 2 }, (_, i) => (y[i >> 1] === 0 ? -1 : 1) + (random() - 0.5));
    const train: Samples = { x, y, width: 2, count };
    const mlp = createMlp([2, 8, 2], mulberry32(4));
    const history = fit(mlp, train, { epochs: 10, batchSize: 16, learningRate: 0.01, seed: 5 });
    expect(history).toHaveLength(10);
    expect(history[9].loss).toBeLessThan(history[0].loss / 4);
    expect(accuracy(mlp, x, y)).toBe(1);
  });
});
