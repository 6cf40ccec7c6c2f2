import { ApolloClient } from '@apollo/client';
import type { Outcome } from './outcome.js';
/** Apollo Client 4: `errorPolicy: 'all'` keeps data beside errors; a 4xx body is read as GraphQL errors too. */
export declare function createClient(url: string): ApolloClient;
export declare function send(client: ApolloClient, query: string, variables?: Record<string, unknown>): Promise<Outcome>;
//# sourceMappingURL=apollo-client-4.d.ts.map