import { DTYPES, type InferenceError, type ModelConfig, type Prediction } from '@mserve/inference';
import { base64Length } from '@mserve/inference/tensors';
import type { GraphQLFieldConfigMap, GraphQLFieldResolver, GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { SchemaContext } from './context.js';
import { GENERATED_QUERIES } from './generated/index.js';
import { rewriteSchema } from './schema-rewrite.js';

/** The prefix of the benchmark fields; `_` keeps them apart from generated names, which never have one. */
export const CEILING_PREFIX = 'ceiling_';

/**
 * `schema` plus, for every generated model query `q`, a field `ceiling_q` with the same arguments
 * and result type that answers without inference: the cost of HTTP and GraphQL alone (parsing,
 * validation, variable coercion, resolving and serializing the same results), for benchmarks. Each
 * row gets the same placeholder prediction (the first class, with certainty), so the response has
 * the size of a real one. It runs the model's resolver with a context whose `predict` and
 * `predictColumns` answer at once: nothing is checked against the contract, nothing reaches a batcher.
 * Never served unless asked for (the API's BENCHMARK_FIELDS setting).
 */
export function withCeilingFields(schema: GraphQLSchema): GraphQLSchema {
  return rewriteSchema(schema, {
    extraQueryFields(query: GraphQLObjectType) {
      const fields = query.toConfig().fields;
      const extra: GraphQLFieldConfigMap<unknown, unknown> = {};
      for (const name of GENERATED_QUERIES) {
        const field = fields[name];
        const resolve = field?.resolve as GraphQLFieldResolver<unknown, SchemaContext> | undefined;
        if (!field || !resolve) continue;
        extra[`${CEILING_PREFIX}${name}`] = {
          ...field,
          description: `Benchmark only: \`${name}\` without inference (placeholder predictions).`,
          resolve: (source, args, context, info) => resolve(source, args, ceilingContext(context as SchemaContext), info),
        };
      }
      return extra;
    },
  });
}

/** The request's context with predictions that cost nothing: one placeholder per item or row. */
function ceilingContext(context: SchemaContext): SchemaContext {
  const placeholders = (model: string, version: number | undefined, count: number): Promise<Array<Prediction | InferenceError>> => {
    const prediction = placeholder(context.repository.get(model, version).config);
    return Promise.resolve(Array.from({ length: count }, () => prediction));
  };
  return {
    repository: context.repository,
    submitOptions: context.submitOptions,
    predict: (model, version, items) => placeholders(model, version, items.length),
    predictColumns: (model, version, columns) => placeholders(model, version, columnRows(context.repository.get(model, version).config, columns)),
  };
}

/** Rows in compact columns, from the first column's length alone (nothing is decoded). */
function columnRows(config: ModelConfig, columns: Readonly<Record<string, unknown>>): number {
  for (const input of config.inputs) {
    for (const field of input.fields) {
      const text = columns[field.name];
      if (typeof text === 'string') return Math.floor((base64Length(text) ?? 0) / (field.size * DTYPES[input.dtype].bytes));
    }
  }
  return 0;
}

/** The first class with certainty (classification), or zeros (other tasks). */
function placeholder(config: ModelConfig): Prediction {
  const outputs = Object.fromEntries(Object.keys(config.outputs).map((name) => [name, [0]]));
  if (config.task !== 'classification') return { outputs };
  const probabilities = Array.from({ length: Math.max(2, config.labels?.length ?? 2) }, (_, i) => (i === 0 ? 1 : 0));
  return { outputs, probabilities, classIndex: 0, label: config.labels?.[0] ?? '0', confidence: 1 };
}
