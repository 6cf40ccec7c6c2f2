import { isAscii } from 'node:buffer';
import { JsonVectorReader, skipJsonSpace } from '@mserve/inference/tensors';
import type { FastifyInstance } from 'fastify';
import { longListError } from '../body-list-bounds.js';
import { findLongList, LIST_SCAN_FROM_BYTES, type ListBounds } from '../list-scan.js';
import { BodyThread } from './body-thread.js';

/**
 * Bodies this large may go to the body thread, and are scanned for lists past the bounds first; a
 * 256-row mnist request is about 1 MB. Smaller ones are read on the event loop: the hop to the
 * thread and back (a copy of the bytes, two messages) costs more than reading a few rows, and none
 * can hold a list past the bounds. It is the stock path's scan threshold, so both paths refuse the
 * same bodies with 413.
 */
export const LARGE_BODY_BYTES = LIST_SCAN_FROM_BYTES;

/**
 * The `variables` objects whose lists the parser read into Float64Arrays, each with the body it
 * came from, for as long as the object lives: the fast path's error lane needs them as JSON.parse
 * gives them.
 */
export class VectorBodies {
  private readonly bodies = new WeakMap<object, Buffer>();

  remember(variables: unknown, bytes: Buffer): void {
    if (typeof variables === 'object' && variables !== null) this.bodies.set(variables, bytes);
  }

  /**
   * `variables` as JSON.parse gives them (lists as arrays) when the parser read them with
   * Float64Arrays; else `variables` itself. For error paths only: it parses the whole body again.
   */
  plainVariables(variables: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    const bytes = variables && this.bodies.get(variables);
    if (!bytes) return variables;
    return (JSON.parse(bytes.toString('utf8')) as { variables: Record<string, unknown> }).variables;
  }
}

/**
 * The fast path's JSON body parser: fastify's own, with fast lanes for the common case.
 * - Fastify decodes a body chunk by chunk as UTF-8; an ASCII body (nearly every JSON body, every
 *   base64 one) is copied into a string instead, after one SIMD `isAscii` pass.
 * - Fastify guards against prototype poisoning with two regular expressions over every body (for
 *   `"__proto__"` and `"constructor"` keys, plain or \u-escaped). A body with neither word and no
 *   `\u` escape cannot hold such a key, which three substring searches show much faster: it goes
 *   straight to JSON.parse.
 * - A body that holds a list under one of `vectorKeys` (the twin schema's list fields, mnist's
 *   `pixels`: `"pixels": [`, any spacing) is read by a JsonVectorReader first, without those
 *   searches (it declines the keys they look for, and a body it declines gets them): those lists
 *   become Float64Arrays, read from the bytes, which costs less than JSON.parse's arrays of doubles.
 *   A body of LARGE_BODY_BYTES or more that holds one, or any list of more than a few numbers (a
 *   top-level `[Float!]` variable, read as a Float64Array there too), is read on the body thread, so
 *   the event loop goes on serving; other large bodies (a compact body: its base64 column shares
 *   the list field's name) are read here, where the trip to the thread costs more than it saves.
 * Any other body, and any body that fails to parse, goes to fastify's parser, so errors and the
 * poisoning checks are exactly fastify's. Before any of that, a large body with a list past
 * `listBounds` is refused (413, findLongList), on the thread for those that go there, as the stock
 * path's parser does. Returns the record of vector-read variables.
 */
export function registerJsonBodyParser(
  app: FastifyInstance,
  vectorKeys: ReadonlySet<string>,
  listBounds: () => ListBounds,
  { bodyThread = true } = {},
): VectorBodies {
  const careful = app.getDefaultJsonParser('error', 'error');
  const bodies = new VectorBodies();
  const readVectors = vectorKeys.size > 0;
  const reader = new JsonVectorReader(vectorKeys, { atAnyDepth: true });
  const listKeys = [...vectorKeys].map((key) => Buffer.from(`"${key}"`));
  const thread = readVectors && bodyThread ? new BodyThread(vectorKeys, app.log) : undefined;
  if (thread) app.addHook('onClose', () => thread.close());
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const withVectors = (parsed: Record<string, unknown>) => {
      bodies.remember(parsed.variables, bytes);
      done(null, parsed);
    };
    const general = () => {
      const plain =
        bytes.length > 0 && !bytes.includes('__proto__') && !bytes.includes('constructor') && !bytes.includes('\\u');
      const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
      if (!plain) return careful.call(app, request, text, done);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return careful.call(app, request, text, done);
      }
      return done(null, parsed);
    };
    if (bytes.length < LARGE_BODY_BYTES) {
      const parsed = readVectors && holdsList(bytes, listKeys) ? reader.parse(bytes) : undefined;
      return parsed === undefined ? general() : withVectors(parsed);
    }
    const bounds = listBounds();
    if (thread && (holdsList(bytes, listKeys) || holdsNumberList(bytes))) {
      void thread.parse(bytes, bounds).then(({ parsed, tooLong }) => {
        if (tooLong) return done(longListError(tooLong), undefined);
        return parsed === undefined ? general() : withVectors(parsed);
      });
      return;
    }
    const tooLong = findLongList(bytes, bounds);
    if (tooLong) return done(longListError(tooLong), undefined);
    const parsed = readVectors ? reader.parse(bytes) : undefined;
    if (parsed !== undefined) return withVectors(parsed);
    general();
  });
  return bodies;
}

const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;

/**
 * Where holdsList and holdsNumberList give up: they only choose where a body is read, and a body
 * built of matches that lead nowhere (a string of a million `[`) must not cost a search per match.
 */
const MAX_PROBES = 64;

/** Whether one of `keys` (each `"name"` with its quotes) is followed by a colon and a list: one search per key. */
function holdsList(bytes: Buffer, keys: readonly Buffer[]): boolean {
  for (const key of keys) {
    let probes = 0;
    for (let at = bytes.indexOf(key); at >= 0 && probes++ < MAX_PROBES; at = bytes.indexOf(key, at + key.length)) {
      const colon = skipJsonSpace(bytes, at + key.length, bytes.length);
      if (bytes[colon] !== COLON) continue;
      if (bytes[skipJsonSpace(bytes, colon + 1, bytes.length)] === OPEN_BRACKET) return true;
    }
  }
  return false;
}

const CLOSE_BRACKET = 0x5d;
/** A list of numbers with no `]` this soon after its `[` holds more than a few numbers. */
const SHORT_LIST_BYTES = 64;

/**
 * Whether the body holds a list of numbers longer than a few (a top-level `[Float!]` variable, a
 * raw tensor's values): one native search per `[`. Short lists (a shape) do not count, so a body of
 * base64 columns with a shape beside them stays on the event loop.
 */
function holdsNumberList(bytes: Buffer): boolean {
  let probes = 0;
  for (
    let at = bytes.indexOf(OPEN_BRACKET);
    at >= 0 && probes++ < MAX_PROBES;
    at = bytes.indexOf(OPEN_BRACKET, at + 1)
  ) {
    const first = skipJsonSpace(bytes, at + 1, bytes.length);
    const c = bytes[first];
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    const close = bytes.indexOf(CLOSE_BRACKET, first);
    if (close < 0 || close - first > SHORT_LIST_BYTES) return true;
  }
  return false;
}
