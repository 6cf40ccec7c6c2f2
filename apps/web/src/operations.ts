import { graphql } from './gql/index.js';

/** Everything the pages show about the models, and the contract the iris form is built from. */
export const ModelsQuery = graphql(`
  query Models {
    models {
      name
      description
      state
      reason
      defaultVersion
      versions {
        version
        state
        reason
        executionProvider
        fallbackReason
        pendingRows
      }
      inputs {
        name
        fields {
          name
          description
          unit
          min
          max
          length
        }
      }
      labels
      batching {
        maxBatchSize
        maxQueueDelayMicros
        maxQueueSize
        timeoutMs
      }
      instances
      executionProvider
    }
  }
`);

export const IrisQuery = graphql(`
  query IrisPredict($input: IrisInput!) {
    iris(input: $input) {
      label
      confidence
      probabilities
    }
  }
`);

export const DigitQuery = graphql(`
  query DigitPredict($input: MnistInput!) {
    mnist(input: $input) {
      label
      confidence
      probabilities
    }
  }
`);
