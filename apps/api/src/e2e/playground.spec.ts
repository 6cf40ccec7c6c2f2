import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type TestServer } from './harness.js';

// Debian's chromium (CI: apt-get install -y chromium); CHROMIUM_PATH points elsewhere on other machines.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../test-output/playground.png', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `playground browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );

describe.skipIf(!haveChromium)('the playground of the real API, in headless Chromium', () => {
  let api: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    api = await startServer();
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
        '--disable-quic',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  /** An editor's text: one element per rendered line, NBSPs as spaces. */
  async function codeMirrorText(page: Page, container: string): Promise<string> {
    const lines = await page.locator(`${container} .CodeMirror-line`).allInnerTexts();
    return lines
      .join('\n')
      .replace(/\u00a0/g, ' ')
      .replace(/\u200b/g, '');
  }

  test('loads with no external request, documents the schema and runs an iris query', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    page.setDefaultTimeout(15_000);
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });

    await page.goto(`${api.url}/`);
    expect(new URL(page.url()).pathname).toBe('/playground');
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.waitFor();

    // The docs come from the generated schema: the iris query and its input's units and ranges.
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: 'Query' }).click();
    await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^irisBatch$/ }).waitFor();
    await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^iris$/ }).click();
    await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: 'IrisInput' }).click();
    await docs.getByText('Petal width. Unit: cm. Range: 0 to 30.').waitFor();

    await editor.click();
    await page.keyboard.press('Control+A');
    const query =
      'query Flower {\n  iris(input: { sepalLength: 6.3, sepalWidth: 3.3, petalLength: 6.0, petalWidth: 2.5 }) {\n    label\n    classIndex\n  }\n}';
    await page.keyboard.insertText(query);
    await expect.poll(() => codeMirrorText(page, '.graphiql-query-editor'), { timeout: 10_000 }).toBe(query);
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response').getByText('"virginica"').waitFor();
    expect(JSON.parse(await codeMirrorText(page, '.graphiql-response'))).toEqual({
      data: { iris: { label: 'virginica', classIndex: 2 } },
    });

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.close();

    expect(errors).toEqual([]);
    expect(requests.filter((url) => url === `${api.url}/graphql`).length).toBeGreaterThanOrEqual(2);
    expect(requests.filter((url) => !url.startsWith(`${api.url}/`))).toEqual([]);
  });
});
