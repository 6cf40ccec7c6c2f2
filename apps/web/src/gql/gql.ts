/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Models {\n    models {\n      name\n      description\n      state\n      reason\n      defaultVersion\n      versions {\n        version\n        state\n        reason\n        executionProvider\n        fallbackReason\n        pendingRows\n      }\n      inputs {\n        name\n        fields {\n          name\n          description\n          unit\n          min\n          max\n          length\n        }\n      }\n      labels\n      batching {\n        maxBatchSize\n        maxQueueDelayMicros\n        maxQueueSize\n        timeoutMs\n      }\n      instances\n      executionProvider\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  query IrisPredict($input: IrisInput!) {\n    iris(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n": typeof types.IrisPredictDocument,
    "\n  query DigitPredict($input: MnistInput!) {\n    mnist(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n": typeof types.DigitPredictDocument,
};
const documents: Documents = {
    "\n  query Models {\n    models {\n      name\n      description\n      state\n      reason\n      defaultVersion\n      versions {\n        version\n        state\n        reason\n        executionProvider\n        fallbackReason\n        pendingRows\n      }\n      inputs {\n        name\n        fields {\n          name\n          description\n          unit\n          min\n          max\n          length\n        }\n      }\n      labels\n      batching {\n        maxBatchSize\n        maxQueueDelayMicros\n        maxQueueSize\n        timeoutMs\n      }\n      instances\n      executionProvider\n    }\n  }\n": types.ModelsDocument,
    "\n  query IrisPredict($input: IrisInput!) {\n    iris(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n": types.IrisPredictDocument,
    "\n  query DigitPredict($input: MnistInput!) {\n    mnist(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n": types.DigitPredictDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models {\n    models {\n      name\n      description\n      state\n      reason\n      defaultVersion\n      versions {\n        version\n        state\n        reason\n        executionProvider\n        fallbackReason\n        pendingRows\n      }\n      inputs {\n        name\n        fields {\n          name\n          description\n          unit\n          min\n          max\n          length\n        }\n      }\n      labels\n      batching {\n        maxBatchSize\n        maxQueueDelayMicros\n        maxQueueSize\n        timeoutMs\n      }\n      instances\n      executionProvider\n    }\n  }\n"): (typeof documents)["\n  query Models {\n    models {\n      name\n      description\n      state\n      reason\n      defaultVersion\n      versions {\n        version\n        state\n        reason\n        executionProvider\n        fallbackReason\n        pendingRows\n      }\n      inputs {\n        name\n        fields {\n          name\n          description\n          unit\n          min\n          max\n          length\n        }\n      }\n      labels\n      batching {\n        maxBatchSize\n        maxQueueDelayMicros\n        maxQueueSize\n        timeoutMs\n      }\n      instances\n      executionProvider\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IrisPredict($input: IrisInput!) {\n    iris(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n"): (typeof documents)["\n  query IrisPredict($input: IrisInput!) {\n    iris(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DigitPredict($input: MnistInput!) {\n    mnist(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n"): (typeof documents)["\n  query DigitPredict($input: MnistInput!) {\n    mnist(input: $input) {\n      label\n      confidence\n      probabilities\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;