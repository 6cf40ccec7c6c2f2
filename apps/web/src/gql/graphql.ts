/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** One row for the iris model: Iris species from sepal and petal measurements: a 4-16-3 MLP trained on the UCI Iris data set. */
export type IrisInput = {
  /** Petal length. Unit: cm. Range: 0 to 30. */
  petalLength: number;
  /** Petal width. Unit: cm. Range: 0 to 30. */
  petalWidth: number;
  /** Sepal length. Unit: cm. Range: 0 to 30. */
  sepalLength: number;
  /** Sepal width. Unit: cm. Range: 0 to 30. */
  sepalWidth: number;
};

/** One row for the mnist model: Handwritten digit 0–9 from a 28×28 grey image: a 784-512-256-10 MLP trained on MNIST digits. */
export type MnistInput = {
  /** 28×28 grey levels, row-major, 0 = background, 1 = ink. 784 values. Range: 0 to 1. */
  pixels: Array<number>;
};

/** Where a model version is in its lifecycle. */
export type ModelPhase =
  | 'CLOSED'
  | 'FAILED'
  | 'LOADING'
  | 'READY';

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: Array<{ name: string, description: string | null, state: ModelPhase, reason: string | null, defaultVersion: number, labels: Array<string> | null, instances: number | null, executionProvider: string | null, versions: Array<{ version: number, state: ModelPhase, reason: string | null, executionProvider: string | null, fallbackReason: string | null, pendingRows: number }>, inputs: Array<{ name: string, fields: Array<{ name: string, description: string | null, unit: string | null, min: number | null, max: number | null, length: number | null }> }>, batching: { maxBatchSize: number, maxQueueDelayMicros: number, maxQueueSize: number, timeoutMs: number } | null }> };

export type IrisPredictQueryVariables = Exact<{
  input: IrisInput;
}>;


export type IrisPredictQuery = { iris: { label: string, confidence: number, probabilities: Array<number> } | null };

export type DigitPredictQueryVariables = Exact<{
  input: MnistInput;
}>;


export type DigitPredictQuery = { mnist: { label: string, confidence: number, probabilities: Array<number> } | null };


export const ModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"defaultVersion"}},{"kind":"Field","name":{"kind":"Name","value":"versions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"executionProvider"}},{"kind":"Field","name":{"kind":"Name","value":"fallbackReason"}},{"kind":"Field","name":{"kind":"Name","value":"pendingRows"}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"fields"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"min"}},{"kind":"Field","name":{"kind":"Name","value":"max"}},{"kind":"Field","name":{"kind":"Name","value":"length"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"labels"}},{"kind":"Field","name":{"kind":"Name","value":"batching"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"maxBatchSize"}},{"kind":"Field","name":{"kind":"Name","value":"maxQueueDelayMicros"}},{"kind":"Field","name":{"kind":"Name","value":"maxQueueSize"}},{"kind":"Field","name":{"kind":"Name","value":"timeoutMs"}}]}},{"kind":"Field","name":{"kind":"Name","value":"instances"}},{"kind":"Field","name":{"kind":"Name","value":"executionProvider"}}]}}]}}]} as unknown as DocumentNode<ModelsQuery, ModelsQueryVariables>;
export const IrisPredictDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"IrisPredict"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IrisInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"iris"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"confidence"}},{"kind":"Field","name":{"kind":"Name","value":"probabilities"}}]}}]}}]} as unknown as DocumentNode<IrisPredictQuery, IrisPredictQueryVariables>;
export const DigitPredictDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DigitPredict"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"MnistInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mnist"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"confidence"}},{"kind":"Field","name":{"kind":"Name","value":"probabilities"}}]}}]}}]} as unknown as DocumentNode<DigitPredictQuery, DigitPredictQueryVariables>;