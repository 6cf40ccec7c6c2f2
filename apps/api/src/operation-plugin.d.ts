import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { RequestContext } from './context.js';
import type { ApiMetrics } from './metrics.js';
/**
 * One structured log line and one metric sample per GraphQL operation, and the HTTP status of
 * whole-request failures. Logs carry the request id, operation name, rows per model, duration and
 * outcome, never input values. Internal errors are logged here with their stack, since clients get
 * only the masked message.
 */
export declare function operationPlugin(logger: Logger, metrics: ApiMetrics): ApolloServerPlugin<RequestContext>;
//# sourceMappingURL=operation-plugin.d.ts.map