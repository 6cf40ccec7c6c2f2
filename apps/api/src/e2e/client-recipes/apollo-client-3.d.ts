import { ApolloClient, type NormalizedCacheObject } from 'apollo-client-3/core';
import type { Outcome } from './outcome.js';
/**
 * Apollo Client 3: `errorPolicy: 'all'` keeps data beside errors (a 200). It turns a 4xx (a request
 * error) into a network error with `graphQLErrors: []`; the codes are in `networkError.result`.
 */
export declare function createClient(url: string): ApolloClient<NormalizedCacheObject>;
export declare function send(client: ApolloClient<NormalizedCacheObject>, query: string, variables?: Record<string, unknown>): Promise<Outcome>;
//# sourceMappingURL=apollo-client-3.d.ts.map