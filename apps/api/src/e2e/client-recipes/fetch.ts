import type { Outcome } from './outcome.js';

/** Plain fetch: POST JSON; the body always has `errors` with `extensions.code`, whatever the status. */
export async function send(url: string, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  // 200: executed (data, maybe with errors); 4xx: a request error (no data); 413/503: refused.
  const body = (await response.json()) as { data?: Outcome['data']; errors?: Array<{ message: string; extensions?: { code?: unknown } }> };
  return { data: body.data, errors: (body.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code })) };
}
