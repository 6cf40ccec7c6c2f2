import { Client, fetchExchange } from '@urql/core';
import type { Outcome } from './outcome.js';

/**
 * urql sends queries as GET by default, which CSRF prevention refuses without a preflight header:
 * either POST (`preferGetMethod: false`, below) or keep GET and send `apollo-require-preflight`.
 */
export function createClient(url: string, options: { get?: boolean } = {}): Client {
  return new Client({
    url,
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    ...(options.get ? { fetchOptions: { headers: { 'apollo-require-preflight': 'true' } } } : { preferGetMethod: false }),
  });
}

export async function send(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Outcome> {
  const { data, error } = await client.query(query, variables).toPromise();
  // urql reads the body of 4xx responses too: request errors arrive as graphQLErrors with their codes.
  const errors = error?.graphQLErrors.length ? error.graphQLErrors : error ? [error] : [];
  return { data, errors: errors.map((e) => ({ message: e.message, code: 'extensions' in e ? e.extensions?.code : undefined })) };
}
