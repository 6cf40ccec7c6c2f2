import type { InferenceError, Prediction } from '@mserve/inference';
import { topK } from '@mserve/inference';
import { Arg, Field, Float, Int, ObjectType } from 'type-graphql';
import type { SchemaContext } from './context.js';

// simpleResolvers: plain properties resolve by graphql-js's default resolver, without type-graphql's
// per-field wrapper (no middleware or auth is used), which counts in bulk responses of many rows.
@ObjectType('ClassScore', { description: 'One class and its probability.', simpleResolvers: true })
export class ClassScore {
  @Field(() => String, { description: 'The class label.' })
  label!: string;

  @Field(() => Int, { description: 'The class index in the model output.' })
  classIndex!: number;

  @Field(() => Float, { description: 'The probability of this class, from 0 to 1.' })
  score!: number;
}

/** Fields every classification prediction has; generated prediction types extend it. */
@ObjectType()
export abstract class ClassificationPrediction {
  /** The contract's labels, for `top`; not a GraphQL field. */
  labels: readonly string[] | undefined;

  @Field(() => String, { description: 'The most probable class.' })
  label!: string;

  @Field(() => Int, { description: 'The index of the most probable class.' })
  classIndex!: number;

  @Field(() => Float, { description: 'The probability of the most probable class, from 0 to 1.' })
  confidence!: number;

  @Field(() => [Float], {
    description: 'The probability of every class, index-aligned with the labels; they sum to 1.',
  })
  probabilities!: number[];

  @Field(() => [ClassScore], { description: 'The k most probable classes, most probable first.' })
  top(@Arg('k', () => Int, { defaultValue: 3, description: 'How many classes (default 3).' }) k: number): ClassScore[] {
    return topK(this.probabilities, this.labels, k);
  }
}

/** Fields every regression or embedding prediction has; generated prediction types extend it. */
@ObjectType()
export abstract class ValuesPrediction {
  labels: readonly string[] | undefined;
}

/** A generated prediction type. */
export type PredictionClass<T> = new () => T;

/** Builds a GraphQL prediction object (a class instance, so `top(k)` resolves) from a library prediction. */
export function toObject<T extends ClassificationPrediction | ValuesPrediction>(
  type: PredictionClass<T>,
  labels: readonly string[] | undefined,
  prediction: Prediction,
): T {
  return Object.assign(new type(), prediction.outputs, {
    labels,
    label: prediction.label,
    classIndex: prediction.classIndex,
    confidence: prediction.confidence,
    probabilities: prediction.probabilities,
  });
}

/** Resolves a one-row field: the prediction, or throws that row's error (the field becomes null). */
export async function predictOne<T extends ClassificationPrediction | ValuesPrediction>(
  context: SchemaContext,
  model: string,
  version: number | undefined,
  input: object,
  type: PredictionClass<T>,
): Promise<T> {
  const [result] = await context.predict(model, version, [input]);
  if (result instanceof Error) throw result;
  return toObject(type, context.repository.get(model, version).config.labels, result);
}

/**
 * Resolves a many-row field: one entry per input. A failed row is an Error in place, which GraphQL
 * turns into null at that index plus an error whose path ends with the index.
 */
export async function predictMany<T extends ClassificationPrediction | ValuesPrediction>(
  context: SchemaContext,
  model: string,
  version: number | undefined,
  inputs: readonly object[],
  type: PredictionClass<T>,
): Promise<Array<T | InferenceError>> {
  const results = await context.predict(model, version, inputs);
  const labels = context.repository.get(model, version).config.labels;
  return results.map((result) => (result instanceof Error ? result : toObject(type, labels, result)));
}

/**
 * Resolves a compact many-row field (one base64 column per contract field): one entry per row, as
 * `predictMany`. Columns that cannot be read as a whole fail the field.
 */
export async function predictColumns<T extends ClassificationPrediction | ValuesPrediction>(
  context: SchemaContext,
  model: string,
  version: number | undefined,
  columns: object,
  type: PredictionClass<T>,
): Promise<Array<T | InferenceError>> {
  const results = await context.predictColumns(model, version, columns as Readonly<Record<string, unknown>>);
  const labels = context.repository.get(model, version).config.labels;
  return results.map((result) => (result instanceof Error ? result : toObject(type, labels, result)));
}
