import type { Client } from '@urql/core';
import { shownErrors } from './api.js';
import { renderBars, showErrors } from './error-view.js';
import { inkFromRgba, preprocessDigit } from './mnist-preprocess.js';
import { DigitQuery } from './operations.js';

const SIDE = 280;
const DEBOUNCE_MS = 150;
const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));

/** The draw-a-digit page: a canvas whose strokes are predicted live (debounced), with a bar per digit. */
export function mountDrawPage(root: HTMLElement, client: Client, url: string): void {
  root.innerHTML = `
    <h2>Draw a digit</h2>
    <div class="draw">
      <canvas id="digit-canvas" width="${SIDE}" height="${SIDE}" aria-label="drawing area"></canvas>
      <div>
        <p class="prediction">Prediction: <output id="digit-label">–</output> <span id="digit-confidence"></span></p>
        <div id="digit-bars" class="bars"></div>
        <button type="button" id="digit-clear">Clear</button>
      </div>
    </div>
    <div id="digit-errors" class="errors" hidden></div>`;
  const canvas = root.querySelector<HTMLCanvasElement>('#digit-canvas') as HTMLCanvasElement;
  const context = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const label = root.querySelector('#digit-label') as HTMLOutputElement;
  const confidence = root.querySelector('#digit-confidence') as HTMLElement;
  const bars = root.querySelector('#digit-bars') as HTMLElement;
  const errors = root.querySelector('#digit-errors') as HTMLElement;
  renderBars(bars, DIGITS, []);

  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const predict = async () => {
    const pixels = preprocessDigit(inkFromRgba(context.getImageData(0, 0, SIDE, SIDE).data, SIDE, SIDE));
    if (!pixels) return;
    const ticket = ++asked;
    const result = await client.query(DigitQuery, { input: { pixels: Array.from(pixels) } }).toPromise();
    // A slower answer to an older drawing must not overwrite a newer one.
    if (ticket !== asked) return;
    showErrors(errors, shownErrors(result.error, url), predict);
    const prediction = result.data?.mnist;
    if (!prediction) return;
    label.value = prediction.label;
    confidence.textContent = `(${(prediction.confidence * 100).toFixed(1)}%)`;
    renderBars(bars, DIGITS, prediction.probabilities);
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void predict(), DEBOUNCE_MS);
  };

  context.lineWidth = 20;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.strokeStyle = '#111';
  let drawing = false;
  const point = (event: PointerEvent) => {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * SIDE) / rect.width,
      y: ((event.clientY - rect.top) * SIDE) / rect.height,
    };
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const { x, y } = point(event);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x, y);
    context.stroke();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    const { x, y } = point(event);
    context.lineTo(x, y);
    context.stroke();
    schedule();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    schedule();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  (root.querySelector('#digit-clear') as HTMLButtonElement).addEventListener('click', () => {
    clearTimeout(timer);
    asked++;
    context.clearRect(0, 0, SIDE, SIDE);
    label.value = '–';
    confidence.textContent = '';
    renderBars(bars, DIGITS, []);
    showErrors(errors, []);
  });
}
