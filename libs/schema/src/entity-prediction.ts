import { inferenceError, type InferenceError } from '@mserve/inference';
import type { GraphQLResolveInfo } from 'graphql';
import type { SchemaContext } from './context.js';
import {
  toObject,
  type ClassificationPrediction,
  type PredictionClass,
  type ValuesPrediction,
} from './prediction.types.js';

/**
 * Resolves the prediction field of an entity owned by another subgraph (see the contract's
 * `entities`): the row is read from the entity's fields through `inputs` (model input field →
 * entity field) and goes through the request's loader like any other row, so the N entities of one
 * `_entities` call, whose fields resolve in the same tick, reach the model as one submission. A bad
 * entity throws its own BAD_USER_INPUT (its field becomes null), naming its index among the
 * representations and the entity's field.
 */
export async function predictEntity<T extends ClassificationPrediction | ValuesPrediction>(
  context: SchemaContext,
  model: string,
  entity: object,
  inputs: Readonly<Record<string, string>>,
  info: GraphQLResolveInfo,
  type: PredictionClass<T>,
): Promise<T> {
  const source = entity as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const [modelField, entityField] of Object.entries(inputs)) {
    const value = source[entityField];
    if (value !== undefined && value !== null) row[modelField] = value;
  }
  const [result] = await context.predict(model, undefined, [row], [entityIndex(info)]);
  if (result instanceof Error) throw inEntityTerms(result, inputs);
  return toObject(type, context.repository.get(model).config.labels, result);
}

/** The entity's index in `_entities(representations:)`: the list index just above this field (0 elsewhere). */
function entityIndex(info: GraphQLResolveInfo): number {
  const key = info.path.prev?.key;
  return typeof key === 'number' ? key : 0;
}

/** A BAD_USER_INPUT about a model input field, restated about the entity field it was read from. */
function inEntityTerms(error: InferenceError, inputs: Readonly<Record<string, string>>): InferenceError {
  const { item, field, reason } = error.details;
  if (
    error.code !== 'BAD_USER_INPUT' ||
    typeof field !== 'string' ||
    typeof item !== 'number' ||
    typeof reason !== 'string'
  )
    return error;
  const modelField = /^[A-Za-z_][A-Za-z0-9_]*/.exec(field)?.[0] ?? field;
  const entityField = inputs[modelField];
  if (entityField === undefined || entityField === modelField) return error;
  const renamed = entityField + field.slice(modelField.length);
  return inferenceError('BAD_USER_INPUT', { item, field: renamed, reason }, { item, field: renamed, reason });
}
