import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ModelRepository } from '@mserve/inference';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { apiGraphQLError } from './errors.js';
import { checkVariableSizes } from './variable-sizes.js';

export interface RequestGuardOptions {
  schema: GraphQLSchema;
  repository: ModelRepository;
  maxRowsPerRequest: number;
}

/**
 * Request errors found once the operation is known and before anything runs (variables are coerced
 * at execution): an operation type the schema does not serve (graphql-js would fail it inside
 * execution, which Apollo reports as a 500), and variables too large to coerce (see
 * checkVariableSizes). Both are answered with a 4xx and no `data`, on the stock and the fast path.
 */
export function requestGuardsPlugin<Context extends BaseContext>(
  options: RequestGuardOptions,
): ApolloServerPlugin<Context> {
  const { schema, repository, maxRowsPerRequest } = options;
  return {
    async requestDidStart() {
      return {
        // Fires after validation, before execution (and before the fast path's responseForOperation).
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          if (!schema.getRootType(operation.operation))
            throw apiGraphQLError('UNSERVED_OPERATION', { operation: operation.operation });
          const error = checkVariableSizes(
            schema,
            document,
            operation,
            request.variables,
            repository,
            maxRowsPerRequest,
          );
          if (error) throw error;
        },
      };
    },
  };
}

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * `format` with graphql-js's "Did you mean …?" suggestions cut from every message: they name
 * fields, types and arguments, which is the schema that INTROSPECTION=false keeps to itself.
 */
export function withoutSuggestions(format: FormatError): FormatError {
  return (formatted, error) => {
    const result = format(formatted, error);
    const message = result.message.replace(/ Did you mean .*\?$/s, '');
    return message === result.message ? result : { ...result, message };
  };
}
