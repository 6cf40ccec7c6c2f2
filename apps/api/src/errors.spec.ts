import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE, inferenceError } from '@mserve/inference';
import { GraphQLError } from 'graphql';
import { API_ERRORS, apiErrorReply, formatError, MASKED_MESSAGE } from './errors.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const SRC = fileURLToPath(new URL('.', import.meta.url));

describe('formatError', () => {
  test('keeps a catalogue error’s message, code and safe details', () => {
    const original = inferenceError(
      'BAD_USER_INPUT',
      { item: 3, field: 'pixels', reason: 'must have 784 values, got 2' },
      { item: 3, field: 'pixels' },
    );
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
      expect(formatted).toEqual({
        message: MASKED_MESSAGE,
        path: ['iris'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    }
  });

  test('the README documents every code of the catalogue', async () => {
    const readme = await readFile(README, 'utf8');
    for (const { graphqlCode } of Object.values(ERROR_CATALOGUE)) expect(readme).toContain(`| \`${graphqlCode}\` |`);
  });
});

describe('the API error catalogue', () => {
  const entries = [
    ...Object.entries(ERROR_CATALOGUE).map(([name, e]) => ({
      name,
      code: e.graphqlCode as string,
      status: e.httpStatus as number,
      template: e.template as string,
    })),
    ...Object.entries(API_ERRORS).map(([name, e]) => ({
      name,
      code: e.code as string,
      status: e.httpStatus as number,
      template: e.template as string,
    })),
  ];

  test('names are unique across both catalogues, and so are messages (one copy each)', () => {
    expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
    expect(new Set(entries.map((e) => e.template)).size).toBe(entries.length);
  });

  test('each code means one HTTP status, and the README documents it with that status', async () => {
    const readme = await readFile(README, 'utf8');
    for (const { code, status } of entries) {
      expect(
        entries.filter((e) => e.code === code).map((e) => e.status),
        code,
      ).toEqual(entries.filter((e) => e.code === code).map(() => status));
      expect(readme, code).toMatch(new RegExp(`^\\| \`${code}\` \\|[^\\n]*\\| ${status} \\|`, 'm'));
    }
  });

  test('the masked message is written in one place only', async () => {
    const sources = (await readdir(SRC)).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    const copies: string[] = [];
    for (const file of sources)
      if ((await readFile(join(SRC, file), 'utf8')).includes(`'${MASKED_MESSAGE}'`)) copies.push(file);
    expect(copies).toEqual(['errors.ts']);
  });

  test('messages fill their templates and refuse a missing parameter', () => {
    expect(apiErrorReply('BODY_TOO_LARGE', { limit: 10 })).toEqual({
      status: 413,
      body: {
        errors: [{ message: 'Request body exceeds the limit of 10 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
      },
    });
    expect(() => apiErrorReply('BODY_TOO_LARGE')).toThrow('error template BODY_TOO_LARGE needs parameter "limit"');
  });
});
