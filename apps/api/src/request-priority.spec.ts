import { GraphQLError } from 'graphql';
import { requestPriority } from './request-priority.js';

describe('requestPriority', () => {
  test('reads high, normal and low in any case and with spaces; normal when absent', () => {
    expect(requestPriority({})).toBe('normal');
    expect(requestPriority({ 'x-priority': 'high' })).toBe('high');
    expect(requestPriority({ 'x-priority': ' LOW ' })).toBe('low');
    expect(requestPriority({ 'x-priority': 'Normal' })).toBe('normal');
  });

  test('anything else is a 400 BAD_REQUEST that names the header and repeats the value', () => {
    for (const [value, shown] of [
      ['urgent', 'urgent'],
      ['', ''],
      [['high', 'low'], 'high,low'],
      ['x'.repeat(100), 'x'.repeat(32)],
    ] as const) {
      let thrown: unknown;
      try {
        requestPriority({ 'x-priority': value as string | string[] });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GraphQLError);
      expect((thrown as GraphQLError).message).toBe(`Header x-priority must be high, normal or low, got "${shown}"`);
      expect((thrown as GraphQLError).extensions).toEqual({ code: 'BAD_REQUEST', http: { status: 400 } });
    }
  });
});
