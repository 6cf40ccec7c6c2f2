import { ClientError, GraphQLClient } from 'graphql-request';
import type { Outcome } from './outcome.js';

/** graphql-request 7: `errorPolicy: 'all'` returns data beside errors; a 4xx still throws ClientError. */
export function createClient(url: string): GraphQLClient {
  return new GraphQLClient(url, { errorPolicy: 'all' });
}

export async function send(client: GraphQLClient, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  try {
    const { data, errors } = await client.rawRequest<Record<string, unknown>>(query, variables);
    return { data, errors: (errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code })) };
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    return { data: undefined, errors: (error.response.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code })) };
  }
}
