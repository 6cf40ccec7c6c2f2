import { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiConfig } from './config.js';
/**
 * The fastify instance every route hangs off: request ids (taken from `x-request-id` or generated,
 * echoed back), the body limit, and the error handler that answers what fastify itself refuses
 * (body too large, unparsable body) in the GraphQL error shape.
 */
export declare function createHttpApp(config: ApiConfig, logger: Logger): FastifyInstance;
//# sourceMappingURL=http-app.d.ts.map