import type { Client } from '@urql/core';
import { shownErrors } from './api.js';
import { renderBars, showErrors } from './error-view.js';
import type { ModelsQuery as ModelsResult } from './gql/graphql.js';
import { IrisQuery } from './operations.js';

type ModelInfo = ModelsResult['models'][number];

const FIELDS = ['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'] as const;
const EXAMPLE: Record<(typeof FIELDS)[number], number> = {
  sepalLength: 5.1,
  sepalWidth: 3.5,
  petalLength: 1.4,
  petalWidth: 0.2,
};

/**
 * The iris form, built from the model's contract (field names, units, ranges from `models`). The
 * browser's own range checks are off (`novalidate`): the server's BAD_USER_INPUT message is shown
 * by the field it names.
 */
export function mountIrisPage(root: HTMLElement, client: Client, url: string, model: ModelInfo | undefined): void {
  root.innerHTML = `<h2>Iris species</h2><form id="iris-form" novalidate></form><div id="iris-errors" class="errors" hidden></div>
    <p class="prediction">Species: <output id="iris-label">–</output> <span id="iris-confidence"></span></p><div id="iris-bars" class="bars"></div>`;
  const form = root.querySelector('#iris-form') as HTMLFormElement;
  const errors = root.querySelector('#iris-errors') as HTMLElement;
  if (!model) {
    errors.hidden = false;
    errors.textContent = 'The API serves no iris model.';
    return;
  }
  const fields = model.inputs
    .flatMap((input) => input.fields)
    .filter((f) => (FIELDS as readonly string[]).includes(f.name));
  for (const field of fields) {
    const range = field.min != null || field.max != null ? `${field.min ?? '−∞'}–${field.max ?? '∞'}` : 'any';
    const row = document.createElement('label');
    row.className = 'field';
    row.innerHTML = `<span class="name"></span> <input type="number" step="0.1"> <span class="range"></span> <span class="field-error" role="alert"></span>`;
    (row.querySelector('.name') as HTMLElement).textContent = field.name;
    const input = row.querySelector('input') as HTMLInputElement;
    input.name = field.name;
    input.value = String(EXAMPLE[field.name as keyof typeof EXAMPLE] ?? field.min ?? 0);
    if (field.min != null) input.min = String(field.min);
    if (field.max != null) input.max = String(field.max);
    (row.querySelector('.range') as HTMLElement).textContent = `${range} ${field.unit ?? ''}`.trim();
    (row.querySelector('.field-error') as HTMLElement).dataset.errorFor = field.name;
    form.append(row);
  }
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.textContent = 'Predict';
  form.append(submit);

  const labels = model.labels ?? [];
  const predict = async () => {
    const values = Object.fromEntries(
      fields.map((f) => [f.name, Number((form.elements.namedItem(f.name) as HTMLInputElement).value)]),
    );
    const result = await client.query(IrisQuery, { input: values as typeof EXAMPLE }).toPromise();
    const all = shownErrors(result.error, url);
    for (const slot of form.querySelectorAll<HTMLElement>('.field-error'))
      slot.textContent = all.find((e) => e.field === slot.dataset.errorFor)?.message ?? '';
    showErrors(
      errors,
      all.filter((e) => !e.field || !fields.some((f) => f.name === e.field)),
      predict,
    );
    const prediction = result.data?.iris;
    (root.querySelector('#iris-label') as HTMLOutputElement).value = prediction?.label ?? '–';
    (root.querySelector('#iris-confidence') as HTMLElement).textContent = prediction
      ? `(${(prediction.confidence * 100).toFixed(1)}%)`
      : '';
    renderBars(root.querySelector('#iris-bars') as HTMLElement, labels, prediction?.probabilities ?? []);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void predict();
  });
}
