import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildSchema } from 'graphql';
import { registerPlayground, type PlaygroundOptions } from './playground.js';

const schema = buildSchema(`
  type Query {
    "Greets someone by name."
    hello(name: String!): String!
  }
`);
const rootValue = { hello: ({ name }: { name: string }) => `Hello, ${name}!` };
const DEFAULT_QUERY = '# Say hello\nquery Hello {\n  hello(name: "World")\n}\n';

interface TestServer {
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A real fastify + Apollo Server 5 on a schema of its own, plus the playground. */
async function createTestServer(options: Partial<PlaygroundOptions> = {}): Promise<TestServer> {
  const app = Fastify({ logger: false });
  const apollo = new ApolloServer({
    schema,
    rootValue,
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  app.route({ method: ['GET', 'POST'], url: '/graphql', handler: fastifyApolloHandler(apollo) });
  await registerPlayground(app, {
    endpoint: '/graphql',
    title: 'Test playground',
    defaultQuery: DEFAULT_QUERY,
    ...options,
  });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      await apollo.stop();
    },
  };
}

function assetUrls(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((match) => match[1].replace(/&#38;/g, '&'))
    .filter((url) => url.startsWith('/playground/'));
}

describe('playground routes', () => {
  let server: TestServer;
  const title = '<Models> "API" & co';
  const defaultQuery = '# </script><script>alert(1)</script> <!-- \u2028\n{ hello(name: "x") }\n';

  beforeAll(async () => {
    server = await createTestServer({ title, defaultQuery });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves a self-contained page with the title and settings escaped', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/playground' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['content-security-policy']).toContain("connect-src 'self'");
    const html = response.body;
    expect(html).toContain('<title>&#60;Models&#62; &#34;API&#34; &#38; co</title>');
    expect(html).not.toMatch(/https?:\/\//);
    // Only the page's own four scripts, no inline code, and the settings block cannot be closed early.
    expect(html.match(/<script/g)).toHaveLength(5);
    expect(html.match(/<\/script>/g)).toHaveLength(5);
    expect(html).not.toContain('alert(1)</script>');
    const config = /<script id="playground-config" type="application\/json">([^<]*)<\/script>/.exec(html);
    expect(config).not.toBeNull();
    expect(JSON.parse((config as RegExpExecArray)[1])).toEqual({ endpoint: '/graphql', defaultQuery });
  });

  it('serves every asset the page references, with types, long caching, gzip and brotli', async () => {
    const html = (await server.app.inject({ method: 'GET', url: '/playground' })).body;
    const urls = assetUrls(html);
    expect(urls).toHaveLength(6);
    const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
    for (const url of urls) {
      expect(url).toMatch(/^\/playground\/assets\/[a-z.-]+\.(js|css)\?v=[\w-]+$/);
      const response = await server.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe(types[/\.(js|css)\?/.exec(url)?.[1] ?? '']);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.rawPayload.length).toBeGreaterThan(0);

      const zipped = await server.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(zipped.rawPayload).equals(response.rawPayload)).toBe(true);
      const brotli = await server.app.inject({
        method: 'GET',
        url,
        headers: { 'accept-encoding': 'gzip, deflate, br' },
      });
      expect(brotli.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(brotli.rawPayload).equals(response.rawPayload)).toBe(true);

      const again = await server.app.inject({
        method: 'GET',
        url,
        headers: { 'if-none-match': String(response.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
    }
    const map = await server.app.inject({ method: 'GET', url: '/playground/assets/graphiql.min.js.map' });
    expect(map.statusCode).toBe(200);
    expect(map.headers['cache-control']).toBe('no-cache');
  });

  it('serves nothing outside its allow-list', async () => {
    const urls = [
      '/playground/assets/../../package.json',
      '/playground/assets/..%2F..%2Fpackage.json',
      '/playground/assets/%2e%2e%2fpackage.json',
      '/playground/assets/graphiql.js',
      '/playground/assets/react.development.js',
      '/playground/assets/__proto__',
      '/playground/assets/constructor',
      '/playground/assets/',
      '/playground/assets/umd/react.production.min.js',
    ];
    for (const url of urls) {
      const response = await server.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
    }
  });

  it('refuses an endpoint that is neither a path nor an http(s) URL', async () => {
    const app = Fastify({ logger: false });
    await expect(registerPlayground(app, { endpoint: 'javascript:alert(1)' })).rejects.toThrow(/endpoint/);
    await expect(registerPlayground(app, { endpoint: '//evil.example/graphql' })).rejects.toThrow(/endpoint/);
    await app.close();
  });
});
