import { ApolloServer } from '@apollo/server';
import type { ModelRepository } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';
import { type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { ApiConfig } from './config.js';
import { RequestContext } from './context.js';
import type { ApiMetrics } from './metrics.js';
export interface GraphqlRouteOptions {
    config: ApiConfig;
    schema: GraphQLSchema;
    repository: ModelRepository;
    logger: Logger;
    metrics: ApiMetrics;
}
/**
 * Starts Apollo on `schema` and serves it at GET/POST /graphql, with one RequestContext (its own
 * DataLoaders, deadline and client-gone signal) per request. Resolves with the started Apollo
 * server, which the caller stops after the HTTP server has closed.
 */
export declare function registerGraphql(app: FastifyInstance, options: GraphqlRouteOptions): Promise<ApolloServer<RequestContext>>;
//# sourceMappingURL=apollo.d.ts.map