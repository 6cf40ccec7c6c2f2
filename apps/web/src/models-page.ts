import type { ModelsQuery as ModelsResult } from './gql/graphql.js';

type ModelInfo = ModelsResult['models'][number];

/** One card per model: state (and why it failed), versions, batching settings, instances, provider. */
export function renderModelsPage(root: HTMLElement, models: ModelInfo[]): void {
  root.innerHTML = '<h2>Models</h2>';
  for (const model of models) {
    const card = document.createElement('section');
    card.className = `model state-${model.state.toLowerCase()}`;
    card.dataset.model = model.name;
    const title = document.createElement('h3');
    title.textContent = `${model.name} — ${model.state}`;
    const about = document.createElement('p');
    about.textContent = model.description ?? '';
    card.append(title, about);
    if (model.reason) {
      const reason = document.createElement('p');
      reason.className = 'reason';
      reason.textContent = `Failed: ${model.reason}`;
      card.append(reason);
    }
    const facts: Array<[string, string]> = [
      [
        'versions',
        model.versions
          .map(
            (v) =>
              `${v.version} ${v.state}${v.reason ? ` (${v.reason})` : ''}${v.version === model.defaultVersion ? ' (default)' : ''}, ${v.pendingRows} rows queued`,
          )
          .join('; '),
      ],
      ['provider', model.executionProvider ?? '–'],
      ['instances', String(model.instances ?? '–')],
      [
        'batching',
        model.batching
          ? `max batch ${model.batching.maxBatchSize} rows, queue delay ${model.batching.maxQueueDelayMicros} µs, queue ${model.batching.maxQueueSize} rows, timeout ${model.batching.timeoutMs} ms`
          : 'off',
      ],
    ];
    const list = document.createElement('dl');
    for (const [name, value] of facts) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.dataset.fact = name;
      dd.textContent = value;
      list.append(dt, dd);
    }
    card.append(list);
    root.append(card);
  }
}
