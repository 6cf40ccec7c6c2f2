import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, gql } from '@apollo/client';
import type { Outcome } from './outcome.js';

/** Apollo Client 4: `errorPolicy: 'all'` keeps data beside errors; a 4xx body is read as GraphQL errors too. */
export function createClient(url: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url }),
    cache: new InMemoryCache(),
  });
}

export async function send(client: ApolloClient, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  const { data, error } = await client.query<Record<string, unknown>>({ query: gql(query), variables, errorPolicy: 'all', fetchPolicy: 'no-cache' });
  const errors = CombinedGraphQLErrors.is(error) ? error.errors : error ? [error] : [];
  return { data, errors: errors.map((e) => ({ message: e.message, code: 'extensions' in e ? e.extensions?.code : undefined })) };
}
