import { type ValidationRule } from 'graphql';
import type { ApiConfig } from './config.js';
/**
 * Query complexity limits as GraphQL validation rules: depth, aliases and cost. (The token limit is
 * a parser option, set on Apollo directly.) Each refusal is a QUERY_TOO_COMPLEX error reported
 * through validation, so the request gets a 400 and nothing runs.
 */
export declare function complexityRules(config: Pick<ApiConfig, 'maxDepth' | 'maxAliases' | 'maxCost'>): ValidationRule[];
//# sourceMappingURL=limits.d.ts.map