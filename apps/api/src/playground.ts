import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
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
const gzipAsync = promisify(gzip);
const requireFromHere = createRequire(import.meta.url);

/**
 * Runs in the browser after React, ReactDOM and GraphiQL's UMD bundles. It reads its settings from
 * the JSON block in the page (no inline script, so the page's CSP can forbid them) and honours
 * `?query=` / `?variables=` in the page URL, which makes playground links shareable.
 */
const BOOT_SCRIPT = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  var params = new URLSearchParams(window.location.search);

  // Names of the operations in a document, ignoring strings and comments.
  function operationNames(query) {
    var text = String(query).replace(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n\r]*/g, ' ');
    var names = [];
    var pattern = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g;
    for (var match = pattern.exec(text); match; match = pattern.exec(text)) names.push(match[1]);
    return names;
  }

  function fetcher(graphQLParams, options) {
    // GraphiQL 3 updates the operation name 100 ms after an edit: a run right after renaming the
    // operation would send the old name ("Unknown operation named ..."). Send none instead.
    if (typeof graphQLParams.operationName === 'string' && typeof graphQLParams.query === 'string' &&
        operationNames(graphQLParams.query).indexOf(graphQLParams.operationName) < 0) {
      graphQLParams = Object.assign({}, graphQLParams, { operationName: null });
    }
    var headers = new Headers({ accept: 'application/graphql-response+json, application/json', 'content-type': 'application/json' });
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) { headers.set(name, String(extra[name])); });
    return fetch(config.endpoint, { method: 'POST', headers: headers, body: JSON.stringify(graphQLParams), credentials: 'same-origin' })
      .then(function (response) {
        return response.text().then(function (text) {
          try {
            return JSON.parse(text);
          } catch (error) {
            return { errors: [{ message: 'HTTP ' + response.status + ' ' + response.statusText + ': ' + text.slice(0, 2000) }] };
          }
        });
      });
  }

  var props = { fetcher: fetcher, defaultQuery: config.defaultQuery };
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
`;

const PAGE_CSS = `html, body, #graphiql { height: 100%; margin: 0; }
body { overflow: hidden; }
#playground-app-link { position: fixed; right: 12px; bottom: 8px; z-index: 10; font: 13px system-ui, sans-serif; }
`;

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

type AssetSource = { pkg: string; file: string } | { inline: string };
interface AssetSpec {
  type: string;
  source: AssetSource;
  /** Referenced from the page with `?v=<tag>`, so it may be cached for good. Source maps are not. */
  versioned: boolean;
}

/** The allow-list: URL name → file inside an installed package (or a constant). Nothing else is served. */
const ASSETS: ReadonlyArray<[string, AssetSpec]> = [
  ['react.production.min.js', { type: JS, source: { pkg: 'react', file: 'umd/react.production.min.js' }, versioned: true }],
  ['react-dom.production.min.js', { type: JS, source: { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' }, versioned: true }],
  ['graphiql.min.js', { type: JS, source: { pkg: 'graphiql', file: 'graphiql.min.js' }, versioned: true }],
  ['graphiql.min.css', { type: CSS, source: { pkg: 'graphiql', file: 'graphiql.min.css' }, versioned: true }],
  // Only fetched by browser devtools (the bundles end with sourceMappingURL comments).
  ['graphiql.min.js.map', { type: JSON_TYPE, source: { pkg: 'graphiql', file: 'graphiql.min.js.map' }, versioned: false }],
  ['graphiql.min.css.map', { type: JSON_TYPE, source: { pkg: 'graphiql', file: 'graphiql.min.css.map' }, versioned: false }],
  ['playground.js', { type: JS, source: { inline: BOOT_SCRIPT }, versioned: true }],
  ['playground.css', { type: CSS, source: { inline: PAGE_CSS }, versioned: true }],
];

interface LoadedAsset {
  body: Buffer;
  etag: string;
  gzipped: () => Promise<Buffer>;
}

/** One allow-listed file, read and gzipped on first use (graphiql.min.js is 3.5 MB unminified, ~0.7 MB gzipped). */
class Asset {
  private loading: Promise<LoadedAsset> | undefined;

  constructor(
    readonly type: string,
    readonly versioned: boolean,
    private readonly read: () => Promise<Buffer>,
  ) {}

  load(): Promise<LoadedAsset> {
    this.loading ??= this.read().then(
      (body) => {
        let compressing: Promise<Buffer> | undefined;
        const gzipped = () => {
          compressing ??= gzipAsync(body).catch((error: unknown) => {
            compressing = undefined;
            throw error;
          });
          return compressing;
        };
        return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, gzipped };
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }
}

/**
 * Registers GET /playground (a GraphiQL page) and GET /playground/assets/:name (its JS and CSS). Every
 * file comes from node_modules (graphiql 3 and react 18 UMD builds) through an allow-list: the page
 * makes no request outside this server, and its Content-Security-Policy enforces that.
 */
export async function registerPlayground(app: FastifyInstance, options: PlaygroundOptions): Promise<void> {
  const endpoint = checkEndpoint(options.endpoint);
  const title = options.title ?? 'GraphiQL';
  const defaultQuery = options.defaultQuery ?? '# Write a GraphQL operation here and press Ctrl-Enter to run it.\n{\n  __typename\n}\n';

  const versions: string[] = [];
  const assets = new Map<string, Asset>();
  for (const [name, spec] of ASSETS) {
    const { source } = spec;
    if ('inline' in source) {
      const body = Buffer.from(source.inline, 'utf8');
      versions.push(`${name}:${source.inline}`);
      assets.set(name, new Asset(spec.type, spec.versioned, async () => body));
    } else {
      const packageJson = requireFromHere.resolve(`${source.pkg}/package.json`);
      const path = join(dirname(packageJson), source.file);
      // Fail at start-up, not on the first page view, when a package or file is missing.
      const info = await stat(path);
      if (!info.isFile()) throw new Error(`playground asset ${path} is not a file`);
      const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
      versions.push(`${name}:${source.pkg}@${version}`);
      assets.set(name, new Asset(spec.type, spec.versioned, () => readFile(path)));
    }
  }
  const tag = createHash('sha256').update(versions.join('\n')).digest('base64url').slice(0, 12);
  const html = renderPage({ title, endpoint, defaultQuery, tag });
  const csp = contentSecurityPolicy(endpoint);

  app.get(PAGE_PATH, async (_request, reply) => {
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  });

  app.get<{ Params: { name: string } }>(`${ASSET_PREFIX}:name`, async (request, reply) => {
    // The name is only ever a key of the allow-list: no path built from the request touches the disk.
    const asset = assets.get(request.params.name);
    if (!asset) {
      reply.callNotFound();
      return reply;
    }
    const loaded = await asset.load();
    reply
      .header('content-type', asset.type)
      .header('cache-control', asset.versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('etag', loaded.etag)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff');
    if (etagMatches(request.headers['if-none-match'], loaded.etag)) return reply.code(304).send();
    if (acceptsGzip(request.headers['accept-encoding'])) {
      // Another representation of the same content: a weak validator, as nginx does when it gzips.
      return reply.header('content-encoding', 'gzip').header('etag', `W/${loaded.etag}`).send(await loaded.gzipped());
    }
    return reply.send(loaded.body);
  });
}

function checkEndpoint(endpoint: string): string {
  if (endpoint.startsWith('/') && !endpoint.startsWith('//')) return endpoint;
  if (/^https?:\/\//i.test(endpoint)) return new URL(endpoint).href;
  throw new Error(`playground endpoint must be a path starting with '/' or an http(s) URL, got ${JSON.stringify(endpoint)}`);
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

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const value = candidate.trim();
    return value === '*' || value === etag || value === `W/${etag}`;
  });
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
