import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './harness.js';

describe('/app: the web app build', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mserve-webdir-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('without a build the API still serves, says so in the log, and /app says how to build it', async () => {
    const api = await startServer({ models: ['iris'], webDir: join(dir, 'missing') });
    try {
      expect(api.logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: expect.stringMatching(/^web app not built/),
          webDir: join(dir, 'missing'),
        }),
      );
      for (const path of ['/app', '/app/', '/app/assets/x.js']) {
        const response = await fetch(`${api.url}${path}`);
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({
          errors: [
            {
              message: `The web app is not built (no ${join(dir, 'missing', 'index.html')}): run \`npx nx build @mserve/web\`, then restart`,
              extensions: { code: 'NOT_FOUND' },
            },
          ],
        });
      }
      expect((await api.graphql('{ models { name } }')).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  test('with a build: /app redirects to /app/, index.html is revalidated, hashed assets are cached for good', async () => {
    const build = join(dir, 'dist');
    await mkdir(join(build, 'assets'), { recursive: true });
    await writeFile(
      join(build, 'index.html'),
      '<!doctype html><title>app</title><script type="module" src="./assets/index-abc.js"></script>',
    );
    await writeFile(join(build, 'assets', 'index-abc.js'), 'console.log(1);');
    const api = await startServer({ models: ['iris'], webDir: build });
    try {
      const bare = await fetch(`${api.url}/app`, { redirect: 'manual' });
      expect([301, 302]).toContain(bare.status);
      expect(bare.headers.get('location')).toBe('/app/');
      const index = await fetch(`${api.url}/app/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      const asset = await fetch(`${api.url}/app/assets/index-abc.js`);
      expect(await asset.text()).toBe('console.log(1);');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await fetch(`${api.url}/app/../package.json`)).status).toBe(404);
    } finally {
      await api.close();
    }
  });
});
