import { type ErrorCode } from '@mserve/inference';
import type { GraphQLFormattedError } from 'graphql';
/** The message every client sees for an internal failure; the real cause goes to the log only. */
export declare const MASKED_MESSAGE = "Internal server error";
/**
 * The one place where errors become what clients see. Library errors carry their catalogue code and
 * safe details; Apollo's request errors keep their codes; anything else is masked as
 * INTERNAL_SERVER_ERROR (the operation plugin logs the original with the request id).
 */
export declare function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
/** The HTTP status of a response whose every root field failed: the catalogue's, for the first error. */
export declare function statusOfFailure(code: unknown): number | undefined;
/** A GraphQL-shaped error body for failures outside GraphQL (body too large, bad JSON). */
export declare function errorBody(code: ErrorCode | 'BAD_REQUEST', message: string): {
    errors: GraphQLFormattedError[];
};
//# sourceMappingURL=errors.d.ts.map