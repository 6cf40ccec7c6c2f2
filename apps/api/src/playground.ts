import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export interface PlaygroundOptions {
  /** Where the page POSTs its operations, e.g. '/graphql' (a same-origin path or an http(s) URL). */
  endpoint: string;
  /** The page title (HTML-escaped). */
  title?: string;
  /** The operation shown in a fresh editor (GraphiQL keeps the user's own tabs in localStorage). */
  defaultQuery?: string;
}

const PAGE_PATH = '/playground';
const ASSET_PREFIX = `${PAGE_PATH}/assets/`;
/** The page's own script and style sheet; one level above src/ and dist/ alike. */
const OWN_ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));
const requireFromHere = createRequire(import.meta.url);

interface AssetSpec {
  /** An installed package, or undefined for the playground's own assets/ folder. */
  pkg?: string;
  file: string;
  /** Referenced from the page with `?v=<tag>`, so it may be cached for good. Source maps are not. */
  versioned: boolean;
}

/** The allow-list: URL name → file inside an installed package (or assets/). Nothing else is served. */
const ASSETS: ReadonlyArray<[string, AssetSpec]> = [
  ['react.production.min.js', { pkg: 'react', file: 'umd/react.production.min.js', versioned: true }],
  ['react-dom.production.min.js', { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', versioned: true }],
  ['graphiql.min.js', { pkg: 'graphiql', file: 'graphiql.min.js', versioned: true }],
  ['graphiql.min.css', { pkg: 'graphiql', file: 'graphiql.min.css', versioned: true }],
  // Only fetched by browser devtools (the bundles end with sourceMappingURL comments).
  ['graphiql.min.js.map', { pkg: 'graphiql', file: 'graphiql.min.js.map', versioned: false }],
  ['graphiql.min.css.map', { pkg: 'graphiql', file: 'graphiql.min.css.map', versioned: false }],
  ['playground.js', { file: 'playground.js', versioned: true }],
  ['playground.css', { file: 'playground.css', versioned: true }],
];

/** By file extension; JavaScript as RFC 9239 names it (send's table still says application/javascript). */
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Where one allow-listed asset lies on disk: its folder (the root it is sent from) and its path inside. */
interface ResolvedAsset {
  root: string;
  file: string;
  versioned: boolean;
}

/**
 * Registers GET /playground (a GraphiQL page) and GET /playground/assets/:name (its JS and CSS). Every
 * file comes from node_modules (graphiql 3 and react 18 UMD builds) or the app's assets/ folder
 * through an allow-list: the page makes no request outside this server, and its
 * Content-Security-Policy enforces that. @fastify/static sends the files (ETag, 304, ranges) and
 * @fastify/compress compresses them, in a scope of their own so no other route is touched.
 */
export async function registerPlayground(app: FastifyInstance, options: PlaygroundOptions): Promise<void> {
  const endpoint = checkEndpoint(options.endpoint);
  const title = options.title ?? 'GraphiQL';
  const defaultQuery =
    options.defaultQuery ?? '# Write a GraphQL operation here and press Ctrl-Enter to run it.\n{\n  __typename\n}\n';
  const { assets, tag } = await resolveAssets();
  const html = renderPage({ title, endpoint, defaultQuery, tag });
  const csp = contentSecurityPolicy(endpoint);

  await app.register(async (scope) => {
    await scope.register(fastifyCompress, { global: true });
    await scope.register(fastifyStatic, { serve: false });
    scope.get(PAGE_PATH, async (_request, reply) => {
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', csp)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(html);
    });
    scope.get<{ Params: { name: string } }>(`${ASSET_PREFIX}:name`, (request, reply) => {
      // The name is only ever a key of the allow-list: no path built from the request touches the disk.
      const asset = assets.get(request.params.name);
      if (!asset) return reply.callNotFound();
      reply
        .header('content-type', CONTENT_TYPES[extname(asset.file)])
        .header('cache-control', asset.versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('x-content-type-options', 'nosniff');
      return reply.sendFile(asset.file, asset.root, { cacheControl: false, contentType: false });
    });
  });
}

/**
 * Finds every allow-listed file, failing at start-up (not on the first page view) when a package
 * or file is missing, and derives the `?v=` tag from the package versions and the own assets.
 */
async function resolveAssets(): Promise<{ assets: Map<string, ResolvedAsset>; tag: string }> {
  const versions: string[] = [];
  const assets = new Map<string, ResolvedAsset>();
  for (const [name, spec] of ASSETS) {
    const root = spec.pkg ? dirname(requireFromHere.resolve(`${spec.pkg}/package.json`)) : OWN_ASSETS;
    const path = join(root, spec.file);
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`playground asset ${path} is not a file`);
    if (spec.pkg) {
      const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
      versions.push(`${name}:${spec.pkg}@${version}`);
    } else {
      versions.push(
        `${name}:${createHash('sha256')
          .update(await readFile(path))
          .digest('base64url')}`,
      );
    }
    assets.set(name, { root, file: spec.file, versioned: spec.versioned });
  }
  return { assets, tag: createHash('sha256').update(versions.join('\n')).digest('base64url').slice(0, 12) };
}

function checkEndpoint(endpoint: string): string {
  if (endpoint.startsWith('/') && !endpoint.startsWith('//')) return endpoint;
  if (/^https?:\/\//i.test(endpoint)) return new URL(endpoint).href;
  throw new Error(
    `playground endpoint must be a path starting with '/' or an http(s) URL, got ${JSON.stringify(endpoint)}`,
  );
}

/** Everything from this origin; the endpoint's origin too when it lives elsewhere. */
function contentSecurityPolicy(endpoint: string): string {
  const connect = endpoint.startsWith('/') ? "'self'" : `'self' ${new URL(endpoint).origin}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    // GraphiQL's components and CodeMirror set style attributes and inject <style> elements.
    "style-src 'self' 'unsafe-inline'",
    // graphiql.min.css embeds its fonts as data: URLs.
    "font-src 'self' data:",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

function renderPage(page: { title: string; endpoint: string; defaultQuery: string; tag: string }): string {
  const asset = (name: string) => escapeHtml(`${ASSET_PREFIX}${name}?v=${page.tag}`);
  const config = jsonForScriptTag({ endpoint: page.endpoint, defaultQuery: page.defaultQuery });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<link rel="stylesheet" href="${asset('playground.css')}">
</head>
<body>
<div id="graphiql">Loading…</div>
<a id="playground-app-link" href="/app/">Web app (draw a digit, iris form, models) →</a>
<script id="playground-config" type="application/json">${config}</script>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script src="${asset('playground.js')}"></script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** JSON that cannot close its <script> element or open a comment in it. */
function jsonForScriptTag(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
