import './styles.css';
import { apiUrl, createApiClient, shownErrors } from './api.js';
import { mountDrawPage } from './draw-page.js';
import { showErrors } from './error-view.js';
import { mountIrisPage } from './iris-page.js';
import { renderModelsPage } from './models-page.js';
import { ModelsQuery } from './operations.js';

const url = apiUrl();
const client = createApiClient(url);
const pages = {
  draw: document.querySelector('#page-draw'),
  iris: document.querySelector('#page-iris'),
  models: document.querySelector('#page-models'),
} as Record<string, HTMLElement>;
const banner = document.querySelector('#app-errors') as HTMLElement;
(document.querySelector('#api-url') as HTMLElement).textContent = url;
(document.querySelector('#playground-link') as HTMLAnchorElement).href = new URL('/playground', url).toString();

/** Shows the page named by the URL's hash (#draw, #iris, #models). */
function route(): void {
  const name = location.hash.slice(1) in pages ? location.hash.slice(1) : 'draw';
  for (const [key, page] of Object.entries(pages)) page.hidden = key !== name;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[href^="#"]'))
    link.classList.toggle('active', link.hash === `#${name}`);
}

/** Loads the models (the iris form and the models page are built from them); retried from the banner. */
async function load(): Promise<void> {
  const result = await client.query(ModelsQuery, {}).toPromise();
  showErrors(banner, shownErrors(result.error, url), () => void load());
  if (!result.data) return;
  renderModelsPage(pages.models, result.data.models);
  mountIrisPage(
    pages.iris,
    client,
    url,
    result.data.models.find((m) => m.name === 'iris'),
  );
}

mountDrawPage(pages.draw, client, url);
window.addEventListener('hashchange', route);
route();
void load();
