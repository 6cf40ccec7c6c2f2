import { Client } from '@urql/core';
import type { Outcome } from './outcome.js';
/**
 * urql sends queries as GET by default, which CSRF prevention refuses without a preflight header:
 * either POST (`preferGetMethod: false`, below) or keep GET and send `apollo-require-preflight`.
 */
export declare function createClient(url: string, options?: {
    get?: boolean;
}): Client;
export declare function send(client: Client, query: string, variables?: Record<string, unknown>): Promise<Outcome>;
//# sourceMappingURL=urql.d.ts.map