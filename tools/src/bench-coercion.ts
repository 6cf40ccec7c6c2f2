/**
 * The cost of one bulk request's variables, in this process, stage by stage: JSON.parse of the body,
 * then graphql-js's variable coercion on the API schema (stock: per element) and on its
 * fast-coercion twin (what the server runs). It isolates the stage the fast path replaces, beside
 * the end-to-end figures of the load runs.
 */
import 'reflect-metadata';
import type { ModelConfig } from '@mserve/inference';
import { getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import { bodiesFor } from './bench-workload.js';

export interface CoercionCost {
  rows: number;
  bodyBytes: number;
  /** Median milliseconds per request. */
  jsonParseMs: number;
  stockCoercionMs: number;
  fastCoercionMs: number;
}

/** Median ms of `runs` calls of `action` (after two unmeasured ones). */
function median(action: () => unknown, runs: number): number {
  action();
  action();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    action();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

export async function measureCoercion(model: string, config: ModelConfig, rows: number, runs = 15): Promise<CoercionCost> {
  // Loaded when needed, as codegen does (the schema lib is built from the generated code).
  const { buildModelSchema, fastCoercionSchema } = await import('@mserve/schema');
  const schema = await buildModelSchema();
  const twin = fastCoercionSchema(schema);
  const body = bodiesFor(model, config, 'bulk-json', { ceiling: false, bulkRows: rows, variants: 1 }).bodies[0];
  const request = JSON.parse(body) as { query: string; variables: Record<string, unknown> };
  const definitions = (parse(request.query).definitions[0] as OperationDefinitionNode).variableDefinitions ?? [];
  const coerce = (on: typeof schema) => () => {
    const result = getVariableValues(on, definitions, request.variables);
    if (result.errors) throw new Error(`the benchmark's variables did not coerce: ${result.errors[0].message}`);
  };
  return {
    rows,
    bodyBytes: Buffer.byteLength(body),
    jsonParseMs: median(() => JSON.parse(body), runs),
    stockCoercionMs: median(coerce(schema), runs),
    fastCoercionMs: median(coerce(twin), runs),
  };
}
