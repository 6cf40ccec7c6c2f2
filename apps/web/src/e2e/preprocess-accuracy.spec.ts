import { loadMnistSplit } from '@mserve/tools/datasets';
import { inkBounds, preprocessDigit, resampleArea, type InkImage } from '../mnist-preprocess.js';
import { startLiveApi, type LiveApi } from './live-api.js';

const DIGITS = 200;
const CANVAS = 280;

/**
 * A held-out digit as a person draws it: the 28×28 image enlarged to `side` px (bilinear) and put
 * at (`left`, `top`) of a blank 280×280 canvas.
 */
function drawOnCanvas(pixels: Float32Array, side: number, left: number, top: number): InkImage {
  const ink = new Float32Array(CANVAS * CANVAS);
  for (let y = 0; y < side; y++) {
    const sy = Math.min(27, Math.max(0, ((y + 0.5) * 28) / side - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(27, y0 + 1);
    for (let x = 0; x < side; x++) {
      const sx = Math.min(27, Math.max(0, ((x + 0.5) * 28) / side - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(27, x0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const top0 = pixels[y0 * 28 + x0] * (1 - fx) + pixels[y0 * 28 + x1] * fx;
      const bottom = pixels[y1 * 28 + x0] * (1 - fx) + pixels[y1 * 28 + x1] * fx;
      ink[(top + y) * CANVAS + left + x] = top0 * (1 - fy) + bottom * fy;
    }
  }
  return { ink, width: CANVAS, height: CANVAS };
}

describe('MNIST preprocessing on real held-out digits, drawn large and off centre', () => {
  let api: LiveApi;
  beforeAll(async () => {
    api = await startLiveApi({ MODELS: 'mnist' });
  });
  afterAll(() => api?.close());

  async function labels(rows: Float32Array[]): Promise<number[]> {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query D($i: [MnistInput!]!) { mnistBatch(inputs: $i) { classIndex } }',
        variables: { i: rows.map((r) => ({ pixels: Array.from(r) })) },
      }),
    });
    const body = (await response.json()) as { data: { mnistBatch: Array<{ classIndex: number }> } };
    return body.data.mnistBatch.map((p) => p.classIndex);
  }

  test('accuracy through the app’s preprocessing is within 2 points of the digits sent as they are', async () => {
    const { test: heldOut } = loadMnistSplit();
    const rows = Array.from({ length: DIGITS }, (_, i) => heldOut.x.slice(i * 784, (i + 1) * 784));
    const truth = heldOut.y.slice(0, DIGITS);
    // Sizes from 7× to 9.5× (196–266 px) at places that vary with the digit: none is centred as MNIST's.
    const drawn = rows.map((r, i) => {
      const side = 196 + ((i * 37) % 71);
      return drawOnCanvas(r, side, (i * 53) % (CANVAS - side + 1), (i * 29) % (CANVAS - side + 1));
    });
    const prepared = drawn.map((image) => preprocessDigit(image) as Float32Array);
    // The naive way for comparison: the whole canvas shrunk to 28×28.
    const shrunk = drawn.map((image) => resampleArea(image, { x: 0, y: 0, width: CANVAS, height: CANVAS }, 28, 28).ink);
    const accuracy = (predicted: number[]) => predicted.filter((p, i) => p === truth[i]).length / DIGITS;
    const [asIs, viaApp, naive] = [
      accuracy(await labels(rows)),
      accuracy(await labels(prepared)),
      accuracy(await labels(shrunk)),
    ];
    console.log(
      JSON.stringify({ digits: DIGITS, accuracyAsIs: asIs, accuracyPreprocessed: viaApp, accuracyShrunkOnly: naive }),
    );
    for (const image of prepared) expect(inkBounds({ ink: image, width: 28, height: 28 })).not.toBeNull();
    expect(asIs).toBeGreaterThan(0.9);
    expect(Math.abs(viaApp - asIs)).toBeLessThanOrEqual(0.02);
  });
});
