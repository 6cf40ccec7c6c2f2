import type { Random } from './prng.js';

/** Writes a randomly altered copy of the training row `source` into `target` (same length). */
export type RowAugmenter = (source: Float32Array, target: Float32Array, random: Random) => void;

/** A named augmentation, so the model's metadata can say how it was trained. */
export interface Augmentation {
  description: string;
  apply: RowAugmenter;
}

/**
 * Shifts a row-major `width × height` image by a random whole number of pixels in −max..max on each
 * axis, filling the uncovered border with 0. MNIST digits are centred by their centre of mass, so
 * small shifts are digits the net could well be sent; with 8,000 training digits they add ~1 point
 * of held-out accuracy to an MLP that otherwise memorises its training set within a few epochs.
 */
export function randomShift(width: number, height: number, max: number): Augmentation {
  return {
    description: `random shift ±${max}px`,
    apply: (source, target, random) => {
      const dx = Math.floor(random() * (2 * max + 1)) - max;
      const dy = Math.floor(random() * (2 * max + 1)) - max;
      target.fill(0, 0, width * height);
      for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
        const from = (y - dy) * width;
        const to = y * width;
        for (let x = Math.max(0, dx); x < Math.min(width, width + dx); x++) target[to + x] = source[from + x - dx];
      }
    },
  };
}
