/**
 * The fast path (FAST_PATH=true), one seam: `installFastPath` replaces the JSON body parser of the
 * fastify app and returns the Apollo plugin that executes operations; the server loads this folder
 * only when the switch is on. With it off, fastify's own parser and Apollo's own execution run.
 *
 * What it does: operations run compiled by graphql-jit (once per document) on a twin of the schema
 * whose `[Float!]`/`[Int!]` input fields (mnist's `pixels`) take a scalar that checks a whole list
 * in one loop, and large JSON bodies have those lists read straight into Float64Arrays (on a thread
 * of their own). Answers and errors are the stock path's, word for word: whatever the fast path
 * does not take as is (a bad variable, introspection, a document graphql-jit cannot compile) is
 * left to Apollo's own execution. Once a document has been answered that way, its later POSTs are
 * answered by the direct lane (direct-lane.ts), without Apollo's HTTP pipeline, by the same checks,
 * formatting and reporting.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import type { ListBounds } from '../list-scan.js';
import { DirectLane, type DirectLaneOptions } from './direct-lane.js';
import { fastExecutionPlugin } from './execution-plugin.js';
import { registerJsonBodyParser } from './json-body.js';
import { fastCoercionSchema, fastListFieldNames } from './twin-schema.js';

/** The direct lane's options (the body record is made here), and the JSON parser's list bounds. */
export interface FastPathOptions extends Omit<DirectLaneOptions, 'bodies'> {
  listBounds: () => ListBounds;
}

export interface FastPath<Context extends BaseContext> {
  /** Apollo's plugin (add it to Apollo's plugins). */
  plugin: ApolloServerPlugin<Context>;
  /** The /graphql handler: the direct lane, with `stock` (Apollo's handler) for what it does not take. */
  handler(stock: RouteHandlerMethod): RouteHandlerMethod;
}

/** Installs the fast path's body parser on `app`; returns its Apollo plugin and its /graphql handler. */
export function installFastPath<Context extends BaseContext>(
  app: FastifyInstance,
  options: FastPathOptions,
): FastPath<Context> {
  const { schema, formatError } = options;
  const bodies = registerJsonBodyParser(app, fastListFieldNames(schema), options.listBounds);
  const lane = new DirectLane({ ...options, bodies });
  return {
    plugin: fastExecutionPlugin<Context>(fastCoercionSchema(schema), formatError, bodies, lane),
    handler: (stock) => lane.handler(stock),
  };
}
