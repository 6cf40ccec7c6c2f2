import { GraphQLClient } from 'graphql-request';
import type { Outcome } from './outcome.js';
/** graphql-request 7: `errorPolicy: 'all'` returns data beside errors; a 4xx still throws ClientError. */
export declare function createClient(url: string): GraphQLClient;
export declare function send(client: GraphQLClient, query: string, variables?: Record<string, unknown>): Promise<Outcome>;
//# sourceMappingURL=graphql-request.d.ts.map