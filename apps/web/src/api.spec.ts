import { CombinedError } from '@urql/core';
import { GraphQLError } from 'graphql';
import { shownErrors } from './api.js';

const URL = 'http://api.example/graphql';

describe('shownErrors', () => {
  test('no error, nothing shown', () => {
    expect(shownErrors(undefined, URL)).toEqual([]);
  });

  test('a field error keeps its field and offers no retry', () => {
    const error = new CombinedError({
      graphQLErrors: [
        new GraphQLError('Invalid input at item 0, field sepalLength: must be ≤ 30, got 31', {
          extensions: { code: 'BAD_USER_INPUT', retryable: false, item: 0, field: 'sepalLength' },
        }),
      ],
    });
    expect(shownErrors(error, URL)).toEqual([
      {
        code: 'BAD_USER_INPUT',
        message: 'Invalid input at item 0, field sepalLength: must be ≤ 30, got 31',
        field: 'sepalLength',
        retry: false,
      },
    ]);
  });

  test('OVERLOADED and TIMEOUT offer a retry, with the server’s hint of when', () => {
    const error = new CombinedError({
      graphQLErrors: [
        new GraphQLError('Model mnist@1 is overloaded: 20000 rows queued, limit 20000; retry later', {
          extensions: { code: 'OVERLOADED', retryable: true, retryAfterSeconds: 2 },
        }),
        new GraphQLError('Deadline of 5000 ms passed before model mnist@1 ran the row', {
          extensions: { code: 'TIMEOUT', retryable: true },
        }),
      ],
    });
    expect(shownErrors(error, URL)).toEqual([
      {
        code: 'OVERLOADED',
        message: 'Model mnist@1 is overloaded: 20000 rows queued, limit 20000; retry later Retry in 2 s.',
        field: undefined,
        retry: true,
      },
      {
        code: 'TIMEOUT',
        message: 'Deadline of 5000 ms passed before model mnist@1 ran the row',
        field: undefined,
        retry: true,
      },
    ]);
  });

  test('a masked internal error offers no retry; an unreachable API does', () => {
    const internal = new CombinedError({
      graphQLErrors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })],
    });
    expect(shownErrors(internal, URL)[0]).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retry: false });
    const network = new CombinedError({ networkError: new TypeError('Failed to fetch') });
    expect(shownErrors(network, URL)).toEqual([
      { code: 'NETWORK', message: 'Cannot reach the API at http://api.example/graphql (Failed to fetch)', retry: true },
    ]);
  });
});
