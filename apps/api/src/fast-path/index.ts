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
 * left to Apollo's own execution.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import type { ListBounds } from '../body-list-bounds.js';
import type { GraphQLSchema } from 'graphql';
import type { FormatError } from './apollo-response.js';
import { fastExecutionPlugin } from './execution-plugin.js';
import { registerJsonBodyParser } from './json-body.js';
import { fastCoercionSchema, fastListFieldNames } from './twin-schema.js';

/** Installs the fast path's body parser on `app` and returns its Apollo plugin (add it to Apollo's plugins). */
export function installFastPath<Context extends BaseContext>(
  app: FastifyInstance,
  schema: GraphQLSchema,
  formatError: FormatError,
  listBounds: () => ListBounds,
): ApolloServerPlugin<Context> {
  const bodies = registerJsonBodyParser(app, fastListFieldNames(schema), listBounds);
  return fastExecutionPlugin<Context>(fastCoercionSchema(schema), formatError, bodies);
}
