import type { Outcome } from './outcome.js';
/** Plain fetch: POST JSON; the body always has `errors` with `extensions.code`, whatever the status. */
export declare function send(url: string, query: string, variables?: Record<string, unknown>): Promise<Outcome>;
//# sourceMappingURL=fetch.d.ts.map