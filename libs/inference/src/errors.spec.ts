import { ERROR_CATALOGUE, InferenceError, asInferenceError, inferenceError, type ErrorCode } from './errors.js';

describe('the error catalogue', () => {
  const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

  test('every code has its own GraphQL code and an HTTP error status', () => {
    const graphqlCodes = codes.map((code) => ERROR_CATALOGUE[code].graphqlCode);
    expect(new Set(graphqlCodes).size).toBe(codes.length);
    for (const code of codes) expect(ERROR_CATALOGUE[code].httpStatus).toBeGreaterThanOrEqual(400);
  });

  test('messages come from the template, with every parameter filled', () => {
    const error = inferenceError('OVERLOADED', { model: 'iris@1', queued: 10, limit: 10 }, { retryable: true });
    expect(error).toBeInstanceOf(InferenceError);
    expect(error.message).toBe('Model iris@1 is overloaded: 10 rows queued, limit 10; retry later');
    expect(error.httpStatus).toBe(503);
    expect(error.retryable).toBe(true);
    expect(() => inferenceError('OVERLOADED', { model: 'iris@1' })).toThrow(
      'error template OVERLOADED needs parameter "queued"',
    );
  });

  test('unknown failures become INTERNAL_SERVER_ERROR and keep their cause for the log', () => {
    const cause = new TypeError('boom');
    const wrapped = asInferenceError(cause);
    expect(wrapped.code).toBe('INTERNAL_SERVER_ERROR');
    expect(wrapped.message).toBe('Internal error');
    expect(wrapped.cause).toBe(cause);
    const known = inferenceError('TIMEOUT', { model: 'm', timeoutMs: 5 });
    expect(asInferenceError(known)).toBe(known);
  });
});
