import { isAscii } from 'node:buffer';
import { parseObjectWithVectors } from '@mserve/inference';
import type { FastifyInstance } from 'fastify';

/**
 * The JSON body parser: fastify's own, with fast lanes for the common case.
 * - Fastify decodes a body chunk by chunk as UTF-8, about 1 ms per MB; an ASCII body (nearly every
 *   JSON body, every base64 one) is copied into a string instead, after one SIMD `isAscii` pass.
 * - Fastify guards against prototype poisoning with two regular expressions over every body (for
 *   `"__proto__"` and `"constructor"` keys, plain or \u-escaped), a few ms on a 1 MB batch. A body
 *   with neither word and no `\u` escape cannot hold such a key, which three substring searches show
 *   much faster: it goes straight to JSON.parse.
 * - With `vectorKeys` (the fast-coercion twin's list fields, mnist's `pixels`), such a body is read
 *   by `parseObjectWithVectors` first: the lists under those keys become Float64Arrays, read from the
 *   bytes (no string of the body, no boxed numbers: JSON.parse of 256 mnist rows was the largest cost
 *   of a JSON-list request). Operations that fall back to the API schema get the body parsed plainly
 *   (`plainVariables`), so graphql-js's errors stay word for word.
 * Any other body, and any body that fails to parse, goes to fastify's parser, so errors and the
 * poisoning checks are exactly fastify's.
 */
export function registerJsonBodyParser(app: FastifyInstance, vectorKeys?: ReadonlySet<string>): void {
  const careful = app.getDefaultJsonParser('error', 'error');
  const readVectors = vectorKeys !== undefined && vectorKeys.size > 0;
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const plain = bytes.length > 0 && !bytes.includes('__proto__') && !bytes.includes('constructor') && !bytes.includes('\\u');
    if (plain && readVectors) {
      const parsed = parseObjectWithVectors(bytes, 0, bytes.length, vectorKeys, { atAnyDepth: true });
      if (parsed !== undefined) {
        const variables = parsed.variables;
        if (typeof variables === 'object' && variables !== null) bodiesOfVariables.set(variables, bytes);
        return done(null, parsed);
      }
    }
    // ASCII (nearly every JSON body, and every base64 one) becomes a string by a plain copy;
    // anything else is decoded as UTF-8, as fastify would.
    const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    if (plain) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return careful.call(app, request, text, done);
      }
      return done(null, parsed);
    }
    return careful.call(app, request, text, done);
  });
}

/** The body each vector-parsed `variables` object came from, for as long as the object lives. */
const bodiesOfVariables = new WeakMap<object, Buffer>();

/**
 * `variables` as JSON.parse gives them (lists as arrays) when the body parser read them with
 * Float64Arrays; else `variables` itself. For error paths only: it parses the whole body again.
 */
export function plainVariables(variables: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const bytes = variables && bodiesOfVariables.get(variables);
  if (!bytes) return variables;
  return (JSON.parse(bytes.toString('utf8')) as { variables: Record<string, unknown> }).variables;
}
