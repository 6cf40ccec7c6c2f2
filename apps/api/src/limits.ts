import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { ApiConfig } from './config.js';

/**
 * Query complexity limits as GraphQL validation rules: depth, aliases and cost. (The token limit is
 * a parser option, set on Apollo directly.) Each refusal is a QUERY_TOO_COMPLEX error reported
 * through validation, so the request gets a 400 and nothing runs.
 */
export function complexityRules(config: Pick<ApiConfig, 'maxDepth' | 'maxAliases' | 'maxCost'>): ValidationRule[] {
  const reject = (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(
      new GraphQLError(error.message.replace(/^Syntax Error: /, 'Query too complex: '), {
        extensions: { code: 'QUERY_TOO_COMPLEX' },
      }),
    );
  const common = { onReject: [reject], propagateOnRejection: false, exposeLimits: true };
  return [
    maxDepthRule({ ...common, n: config.maxDepth, flattenFragments: true }),
    // graphql-armor lets `__typename` aliases through by default: they are as cheap to ask as to
    // multiply into a megabyte response, so every alias counts.
    maxAliasesRule({ ...common, n: config.maxAliases, allowList: [] }),
    costLimitRule({ ...common, maxCost: config.maxCost }),
  ];
}
