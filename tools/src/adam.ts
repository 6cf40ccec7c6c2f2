/** Adam's hyper-parameters (Kingma & Ba); the defaults are the paper's. */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * The Adam optimiser over a fixed list of parameter arrays, updated in place from gradients of the
 * same shapes. Adam rather than plain SGD because it trains both the 4-16-3 and the 784-512-256-10
 * network well with one learning rate and no tuning per layer.
 */
export class Adam {
  /** Step size; a schedule may change it between steps. */
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly firstMoments: Float32Array[];
  private readonly secondMoments: Float32Array[];
  private step = 0;

  constructor(
    private readonly parameters: readonly Float32Array[],
    options: AdamOptions,
  ) {
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.firstMoments = parameters.map((p) => new Float32Array(p.length));
    this.secondMoments = parameters.map((p) => new Float32Array(p.length));
  }

  /** One update from `gradients`, index-aligned with the constructor's parameters. */
  update(gradients: readonly Float32Array[]): void {
    if (gradients.length !== this.parameters.length) throw new RangeError('one gradient per parameter array');
    this.step++;
    const { beta1, beta2, epsilon } = this;
    // Bias corrections folded into the step size, as in the paper's efficient form.
    const stepSize = (this.learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    this.parameters.forEach((parameter, p) => {
      const gradient = gradients[p];
      const m = this.firstMoments[p];
      const v = this.secondMoments[p];
      for (let i = 0; i < parameter.length; i++) {
        const g = gradient[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        parameter[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + epsilon);
      }
    });
  }
}
