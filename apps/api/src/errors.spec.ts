import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE, inferenceError } from '@mserve/inference';
import { GraphQLError } from 'graphql';
import { formatError, MASKED_MESSAGE } from './errors.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

describe('formatError', () => {
  test('keeps a catalogue error’s message, code and safe details', () => {
    const original = inferenceError('BAD_USER_INPUT', { item: 3, field: 'pixels', reason: 'must have 784 values, got 2' }, { item: 3, field: 'pixels' });
    const wrapped = new GraphQLError(original.message, { path: ['rows', 3], originalError: original });
    expect(formatError(wrapped.toJSON(), wrapped)).toEqual({
      message: 'Invalid input at item 3, field pixels: must have 784 values, got 2',
      path: ['rows', 3],
      extensions: { code: 'BAD_USER_INPUT', retryable: false, item: 3, field: 'pixels' },
    });
  });

  test('masks internal and unknown errors, leaving no detail for the client', () => {
    const secret = new Error('ENOENT /srv/secret/model.onnx at Object.<anonymous> (worker.js:1:1)');
    for (const original of [inferenceError('INTERNAL_SERVER_ERROR', {}, {}, secret), secret]) {
      const wrapped = new GraphQLError(original.message, { path: ['iris'], originalError: original });
      const formatted = formatError(wrapped.toJSON(), wrapped);
      expect(formatted).toEqual({ message: MASKED_MESSAGE, path: ['iris'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    }
  });

  test('the README documents every code of the catalogue', async () => {
    const readme = await readFile(README, 'utf8');
    for (const { graphqlCode } of Object.values(ERROR_CATALOGUE)) expect(readme).toContain(`| \`${graphqlCode}\` |`);
  });
});
