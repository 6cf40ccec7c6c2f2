/**
 * MNIST's own preprocessing for a digit drawn at any size and place: crop to the ink's bounding
 * box, scale its longer side to 20 px keeping the aspect ratio (area-averaged, so grey levels are
 * anti-aliased), and centre it by its centre of mass in a 28×28 field. The model was trained on
 * digits prepared this way; a drawing shrunk as it is lands off centre and at the wrong size.
 */

/** Side of the model's input image. */
export const MNIST_SIDE = 28;
/** Side of the box the ink is scaled into. */
export const MNIST_BOX = 20;
/** Ink below this level (0..1) does not count towards the bounding box. */
const INK_THRESHOLD = 0.05;

/** A grey image: `ink[y * width + x]` in 0..1, 0 being paper. */
export interface InkImage {
  ink: Float32Array;
  width: number;
  height: number;
}

/** Ink levels of an RGBA canvas image (the alpha channel: strokes are drawn on a transparent canvas). */
export function inkFromRgba(rgba: Uint8ClampedArray, width: number, height: number): InkImage {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[i * 4 + 3] / 255;
  return { ink, width, height };
}

/** The 784 pixels (row-major, 0..1) the mnist model takes, or null when nothing is drawn. */
export function preprocessDigit(image: InkImage): Float32Array | null {
  const box = inkBounds(image);
  if (!box) return null;
  const scale = MNIST_BOX / Math.max(box.width, box.height);
  const width = Math.max(1, Math.round(box.width * scale));
  const height = Math.max(1, Math.round(box.height * scale));
  const small = resampleArea(image, box, width, height);
  const { x: cx, y: cy } = centreOfMass(small);
  const left = Math.round(MNIST_SIDE / 2 - cx);
  const top = Math.round(MNIST_SIDE / 2 - cy);
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < height; y++) {
    const ty = y + top;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < width; x++) {
      const tx = x + left;
      if (tx >= 0 && tx < MNIST_SIDE) out[ty * MNIST_SIDE + tx] = Math.min(1, Math.max(0, small.ink[y * width + x]));
    }
  }
  return out;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The smallest rectangle holding every pixel with ink; null for a blank image. */
export function inkBounds(image: InkImage): Box | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.ink[y * image.width + x] <= INK_THRESHOLD) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/**
 * Resamples `box` of `image` to `width`×`height`: each output pixel is the mean ink of the source
 * area it covers, fractional edges weighted by how much of them it covers.
 */
export function resampleArea(image: InkImage, box: Box, width: number, height: number): InkImage {
  const out = new Float32Array(width * height);
  const sx = box.width / width;
  const sy = box.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = box.y + y * sy;
    const y1 = y0 + sy;
    for (let x = 0; x < width; x++) {
      const x0 = box.x + x * sx;
      const x1 = x0 + sx;
      let sum = 0;
      for (let py = Math.floor(y0); py < Math.ceil(y1); py++) {
        const wy = Math.min(y1, py + 1) - Math.max(y0, py);
        for (let px = Math.floor(x0); px < Math.ceil(x1); px++) {
          const wx = Math.min(x1, px + 1) - Math.max(x0, px);
          sum += wx * wy * image.ink[py * image.width + px];
        }
      }
      out[y * width + x] = sum / (sx * sy);
    }
  }
  return { ink: out, width, height };
}

/** The ink-weighted mean position, in pixel-centre coordinates (a single pixel at 0 is at 0.5). */
export function centreOfMass(image: InkImage): { x: number; y: number } {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const v = image.ink[y * image.width + x];
      total += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return total === 0 ? { x: image.width / 2, y: image.height / 2 } : { x: sx / total, y: sy / total };
}
