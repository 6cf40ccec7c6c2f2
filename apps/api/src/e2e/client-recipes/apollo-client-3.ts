import { ApolloClient, ApolloError, HttpLink, InMemoryCache, gql, type NormalizedCacheObject, type ServerError } from 'apollo-client-3/core';
import type { Outcome } from './outcome.js';

/**
 * Apollo Client 3: `errorPolicy: 'all'` keeps data beside errors (a 200). It turns a 4xx (a request
 * error) into a network error with `graphQLErrors: []`; the codes are in `networkError.result`.
 */
export function createClient(url: string): ApolloClient<NormalizedCacheObject> {
  return new ApolloClient({
    link: new HttpLink({ uri: url }),
    cache: new InMemoryCache(),
  });
}

export async function send(client: ApolloClient<NormalizedCacheObject>, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  try {
    const { data, errors } = await client.query<Record<string, unknown>>({ query: gql(query), variables, errorPolicy: 'all', fetchPolicy: 'no-cache' });
    return { data, errors: (errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code })) };
  } catch (error) {
    const result = error instanceof ApolloError ? (error.networkError as ServerError | null)?.result : undefined;
    if (!result || typeof result !== 'object' || !Array.isArray(result.errors)) throw error;
    return { data: undefined, errors: (result.errors as Array<{ message: string; extensions?: { code?: unknown } }>).map((e) => ({ message: e.message, code: e.extensions?.code })) };
  }
}
