import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * The CORS policy of a `CORS_ORIGINS` setting: `*` lets every origin read responses without
 * credentials; a comma list of origins (`https://app.example.com,http://localhost:5173`) lets only
 * those, with credentials; `off` sends no CORS headers at all.
 */
export type CorsPolicy = { kind: 'off' } | { kind: 'any' } | { kind: 'listed'; origins: string[] };

/** Parses a `CORS_ORIGINS` value; throws naming the setting when an entry is not an origin. */
export function parseCorsOrigins(raw: string, name = 'CORS_ORIGINS'): CorsPolicy {
  const value = raw.trim();
  if (/^off$/i.test(value)) return { kind: 'off' };
  if (value === '*') return { kind: 'any' };
  const origins = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new Error(
        `${name} must be *, off or a comma list of origins such as https://app.example.com (scheme, host and port only), got "${origin.slice(0, 100)}"`,
      );
    }
  }
  if (origins.length === 0)
    throw new Error(`${name} must be *, off or a comma list of origins, got "${raw.slice(0, 100)}"`);
  return { kind: 'listed', origins };
}

/**
 * Answers preflights and adds CORS headers to every route, so pages on other origins (a dev
 * server, a CDN) can call /graphql. CSRF prevention stays Apollo's: a GET or a simple POST still
 * needs a preflight-forcing header, which cross-origin pages can only send after this preflight.
 * `x-request-id` and `retry-after` are exposed so browser code can quote the one and honour the other.
 */
export async function registerCors(app: FastifyInstance, policy: CorsPolicy): Promise<void> {
  if (policy.kind === 'off') return;
  await app.register(cors, {
    origin: policy.kind === 'any' ? '*' : policy.origins,
    // Credentials with `*` are refused by browsers; only listed origins may send cookies.
    credentials: policy.kind === 'listed',
    methods: ['GET', 'POST', 'OPTIONS'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
}
