import {
  centreOfMass,
  inkBounds,
  inkFromRgba,
  preprocessDigit,
  resampleArea,
  type InkImage,
} from './mnist-preprocess.js';

/** A blank width×height image with the rectangle [x, x+w) × [y, y+h) inked at `level`. */
function rect(width: number, height: number, r: { x: number; y: number; w: number; h: number }, level = 1): InkImage {
  const ink = new Float32Array(width * height);
  for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) ink[y * width + x] = level;
  return { ink, width, height };
}

const at = (pixels: Float32Array, x: number, y: number) => pixels[y * 28 + x];

describe('MNIST preprocessing', () => {
  test('a blank canvas is no digit', () => {
    expect(preprocessDigit({ ink: new Float32Array(280 * 280), width: 280, height: 280 })).toBeNull();
  });

  test('reads ink from the alpha channel', () => {
    const rgba = new Uint8ClampedArray([0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 51]);
    expect(Array.from(inkFromRgba(rgba, 3, 1).ink)).toEqual([0, 1, Math.fround(0.2)]);
  });

  test('finds the bounding box of the ink', () => {
    expect(inkBounds(rect(280, 280, { x: 200, y: 10, w: 30, h: 120 }))).toEqual({
      x: 200,
      y: 10,
      width: 30,
      height: 120,
    });
  });

  test('area resampling keeps mean ink, grey at fractional edges', () => {
    const half = rect(4, 4, { x: 0, y: 0, w: 2, h: 4 });
    expect(Array.from(resampleArea(half, { x: 0, y: 0, width: 4, height: 4 }, 2, 2).ink)).toEqual([1, 0, 1, 0]);
    const third = resampleArea(rect(3, 1, { x: 0, y: 0, w: 1, h: 1 }), { x: 0, y: 0, width: 3, height: 1 }, 2, 1);
    expect(third.ink[0]).toBeCloseTo(2 / 3, 6);
    expect(third.ink[1]).toBe(0);
  });

  test('a tall stroke in a corner becomes 20 px tall, aspect kept, centred by mass', () => {
    const pixels = preprocessDigit(rect(280, 280, { x: 230, y: 150, w: 20, h: 120 })) as Float32Array;
    const box = inkBounds({ ink: pixels, width: 28, height: 28 });
    // 120 px → 20 px tall; 20 px wide → 3.33, rounded to 3.
    expect(box).toEqual({ x: 13, y: 4, width: 3, height: 20 });
    const mass = centreOfMass({ ink: pixels, width: 28, height: 28 });
    expect(Math.abs(mass.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(mass.y - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    expect(at(pixels, 14, 14)).toBeGreaterThan(0.9);
  });

  test('the same shape drawn small or large, anywhere, gives the same pixels', () => {
    const small = preprocessDigit(rect(280, 280, { x: 10, y: 10, w: 40, h: 40 })) as Float32Array;
    const large = preprocessDigit(rect(280, 280, { x: 100, y: 60, w: 160, h: 160 })) as Float32Array;
    expect(Array.from(large)).toEqual(Array.from(small));
    expect(small.reduce((a, b) => a + b, 0)).toBeCloseTo(400, 3);
  });

  test('centre of mass, not of the box: a heavy side pulls the digit', () => {
    const image = rect(100, 100, { x: 0, y: 0, w: 100, h: 10 });
    for (let y = 0; y < 100; y++) image.ink[y * 100] = 1; // an L: bar across the top, line down the left
    const pixels = preprocessDigit(image) as Float32Array;
    const mass = centreOfMass({ ink: pixels, width: 28, height: 28 });
    expect(Math.abs(mass.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(mass.y - 14)).toBeLessThanOrEqual(0.5);
    // The box itself is off centre (towards the bottom right), as MNIST's digits are.
    const box = inkBounds({ ink: pixels, width: 28, height: 28 }) as { x: number; y: number };
    expect(box.x).toBeGreaterThan(4);
  });
});
