import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { startLiveApi, type LiveApi } from './live-api.js';

// Debian's chromium (CI: apt-get install -y chromium); CHROMIUM_PATH points elsewhere on other machines.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`web browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!haveChromium)(
  'the web app on its own server, against the API on another origin, in headless Chromium',
  () => {
    let outDir: string;
    let api: LiveApi;
    let site: PreviewServer;
    let browser: Browser;
    let appUrl: string;

    beforeAll(async () => {
      outDir = await mkdtemp(join(tmpdir(), 'mserve-web-'));
      // The production build, as `nx build` makes it, then the app's own server (vite preview) on another port.
      await build({ root: WEB_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, sourcemap: false } });
      [api, site] = await Promise.all([
        startLiveApi({ WEB_DIR: outDir }),
        preview({
          root: WEB_ROOT,
          logLevel: 'warn',
          build: { outDir },
          preview: { port: 0, host: '127.0.0.1', strictPort: false },
        }),
      ]);
      appUrl = (site.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await site?.close();
      await api?.close();
      await rm(outDir, { recursive: true, force: true });
    });

    async function open(path: string): Promise<{ page: Page; errors: string[] }> {
      const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
      page.setDefaultTimeout(15_000);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(path);
      return { page, errors };
    }

    test('the iris form is built from the contract, answers, and shows an out-of-range message by its field', async () => {
      expect(new URL(appUrl).port).not.toBe(new URL(api.url).port);
      const { page, errors } = await open(`${appUrl}/?api=${encodeURIComponent(`${api.url}/graphql`)}#iris`);
      const sepal = page.locator('input[name="sepalLength"]');
      await sepal.waitFor();
      expect(await page.locator('label.field').count()).toBe(4);
      expect(await page.locator('label.field', { has: sepal }).locator('.range').innerText()).toBe('0–30 cm');
      await page.getByRole('button', { name: 'Predict' }).click();
      await page.locator('#iris-label', { hasText: 'setosa' }).waitFor();
      expect(await page.locator('#iris-bars .bar').count()).toBe(3);
      await page.screenshot({ path: join(SHOTS, 'i17-web-iris.png') });

      await sepal.fill('31');
      await page.getByRole('button', { name: 'Predict' }).click();
      const message = page.locator('[data-error-for="sepalLength"]');
      await message.filter({ hasText: 'must be ≤ 30, got 31' }).waitFor();
      expect(await message.innerText()).toBe('Invalid input at item 0, field sepalLength: must be ≤ 30, got 31');
      expect(await page.locator('[data-error-for="petalWidth"]').innerText()).toBe('');
      expect(await page.locator('#iris-label').innerText()).toBe('–');
      await page.screenshot({ path: join(SHOTS, 'i17-web-iris-error.png') });
      expect(errors).toEqual([]);
    });

    test('a digit drawn with mouse strokes gets a live prediction and ten probabilities', async () => {
      const { page, errors } = await open(`${appUrl}/?api=${encodeURIComponent(`${api.url}/graphql`)}#draw`);
      const canvas = page.locator('#digit-canvas');
      const box = (await canvas.boundingBox()) as { x: number; y: number };
      // A "7", small and in the top-left quarter: a bar, then a diagonal down to the left.
      const stroke = async (points: Array<[number, number]>) => {
        await page.mouse.move(box.x + points[0][0], box.y + points[0][1]);
        await page.mouse.down();
        for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
        await page.mouse.up();
      };
      await stroke([
        [40, 30],
        [130, 30],
        [75, 150],
      ]);
      await page.locator('#digit-label', { hasText: /^[0-9]$/ }).waitFor();
      const label = await page.locator('#digit-label').innerText();
      const values = (await page.locator('#digit-bars .value').allInnerTexts()).map(Number);
      expect(values).toHaveLength(10);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 1);
      expect(values.indexOf(Math.max(...values))).toBe(Number(label));
      console.log(JSON.stringify({ drawn: '7', predicted: label, probabilities: values }));
      expect(label).toBe('7');
      await page.screenshot({ path: join(SHOTS, 'i17-web-digit.png') });

      await page.getByRole('button', { name: 'Clear' }).click();
      expect(await page.locator('#digit-label').innerText()).toBe('–');
      expect(errors).toEqual([]);
    });

    test('the models page shows state, versions, batching and provider; the API serves the same build under /app, linked from the playground and back', async () => {
      // From the playground to the app by its link, then to the models page.
      const { page } = await open(`${api.url}/playground`);
      await page.locator('#playground-app-link').click();
      await page.waitForURL(`${api.url}/app/`);
      await page.getByRole('link', { name: 'Models' }).click();
      await page.locator('section.model[data-model="mnist"]').waitFor();
      expect(await page.locator('section.model h3').allInnerTexts()).toEqual(['iris — READY', 'mnist — READY']);
      const mnist = page.locator('section.model[data-model="mnist"]');
      expect(await mnist.locator('[data-fact="provider"]').innerText()).toBe('cpu');
      expect(await mnist.locator('[data-fact="versions"]').innerText()).toMatch(/^1 READY \(default\), 0 rows queued$/);
      expect(await mnist.locator('[data-fact="batching"]').innerText()).toMatch(
        /^max batch \d+ rows, queue delay \d+ µs, queue \d+ rows, timeout \d+ ms$/,
      );
      expect(await page.locator('#api-url').innerText()).toBe(`${api.url}/graphql`);
      expect(await page.locator('#playground-link').getAttribute('href')).toBe(`${api.url}/playground`);
      await page.screenshot({ path: join(SHOTS, 'i17-web-models.png') });
      // And back.
      await page.locator('#playground-link').click();
      await page.waitForURL(`${api.url}/playground`);
    });

    test('an unreachable API is shown as a network error with a retry', async () => {
      const { page } = await open(`${appUrl}/?api=${encodeURIComponent('http://127.0.0.1:9/graphql')}#models`);
      const error = page.locator('#app-errors p.error[data-code="NETWORK"]');
      await error.waitFor();
      expect(await error.innerText()).toMatch(/^NETWORK Cannot reach the API at http:\/\/127\.0\.0\.1:9\/graphql/);
      await error.getByRole('button', { name: 'Retry' }).waitFor();
      await page.screenshot({ path: join(SHOTS, 'i17-web-network.png') });
    });
  },
);
