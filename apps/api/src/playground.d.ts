import type { FastifyInstance } from 'fastify';
export interface PlaygroundOptions {
    /** Where the page POSTs its operations, e.g. '/graphql' (a same-origin path or an http(s) URL). */
    endpoint: string;
    /** The page title (HTML-escaped). */
    title?: string;
    /** The operation shown in a fresh editor (GraphiQL keeps the user's own tabs in localStorage). */
    defaultQuery?: string;
}
/**
 * Registers GET /playground (a GraphiQL page) and GET /playground/assets/:name (its JS and CSS). Every
 * file comes from node_modules (graphiql 3 and react 18 UMD builds) through an allow-list: the page
 * makes no request outside this server, and its Content-Security-Policy enforces that.
 */
export declare function registerPlayground(app: FastifyInstance, options: PlaygroundOptions): Promise<void>;
//# sourceMappingURL=playground.d.ts.map