import type { ShownError } from './api.js';

/**
 * Shows errors that are not about one field (OVERLOADED, TIMEOUT, the network…) in `box`, with a
 * retry button when the code says a retry can help. An empty list clears the box.
 */
export function showErrors(box: HTMLElement, errors: ShownError[], retry?: () => void): void {
  box.replaceChildren();
  box.hidden = errors.length === 0;
  for (const error of errors) {
    const line = document.createElement('p');
    line.className = 'error';
    line.dataset.code = error.code;
    const code = document.createElement('strong');
    code.textContent = error.code;
    line.append(code, ` ${error.message} `);
    if (error.retry && retry) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'retry';
      button.textContent = 'Retry';
      button.addEventListener('click', retry);
      line.append(button);
    }
    box.append(line);
  }
}

/** Ten (or any number of) labelled probability bars. */
export function renderBars(container: HTMLElement, labels: string[], probabilities: number[]): void {
  container.replaceChildren(
    ...labels.map((label, i) => {
      const row = document.createElement('div');
      row.className = 'bar';
      row.dataset.label = label;
      const name = document.createElement('span');
      name.textContent = label;
      const track = document.createElement('span');
      track.className = 'track';
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.style.width = `${(100 * (probabilities[i] ?? 0)).toFixed(1)}%`;
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = (probabilities[i] ?? 0).toFixed(3);
      row.append(name, track, value);
      return row;
    }),
  );
}
