import { isAscii } from 'node:buffer';
import type { Worker } from 'node:worker_threads';
import { parseObjectWithVectors, skipJsonSpace, startWorker } from '@mserve/inference/tensors';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/**
 * The JSON body parser: fastify's own, with fast lanes for the common case.
 * - Fastify decodes a body chunk by chunk as UTF-8, about 1 ms per MB; an ASCII body (nearly every
 *   JSON body, every base64 one) is copied into a string instead, after one SIMD `isAscii` pass.
 * - Fastify guards against prototype poisoning with two regular expressions over every body (for
 *   `"__proto__"` and `"constructor"` keys, plain or \u-escaped), a few ms on a 1 MB batch. A body
 *   with neither word and no `\u` escape cannot hold such a key, which three substring searches show
 *   much faster: it goes straight to JSON.parse.
 * - With `vectorKeys` (the fast-coercion twin's list fields, mnist's `pixels`), a body of
 *   LARGE_BODY_BYTES or more is read by `parseObjectWithVectors` first, without those searches (it
 *   declines the keys they look for, and a body it declines gets them): the lists under those keys
 *   become Float64Arrays, read from the bytes (no string of the body, no boxed numbers: JSON.parse of
 *   256 mnist rows was the largest cost of a JSON-list request). Operations that fall back to the API
 *   schema get the body parsed plainly (`plainVariables`), so graphql-js's errors stay word for word.
 *   Long strings are read faster than JSON.parse reads them, too (a compact body's MB of base64).
 * - With `bodyThread` too, a body that holds a list under one of those keys (`"pixels": [`, any
 *   spacing) is read on a thread of its own (see BodyThread): the event loop goes on serving.
 * Any other body, and any body that fails to parse, goes to fastify's parser, so errors and the
 * poisoning checks are exactly fastify's.
 */
export function registerJsonBodyParser(app: FastifyInstance, vectorKeys?: ReadonlySet<string>, { bodyThread = false } = {}): void {
  const careful = app.getDefaultJsonParser('error', 'error');
  const readVectors = vectorKeys !== undefined && vectorKeys.size > 0;
  const listKeys = readVectors ? [...vectorKeys].map((key) => Buffer.from(`"${key}"`)) : [];
  const thread = readVectors && bodyThread ? new BodyThread(vectorKeys, app.log) : undefined;
  if (thread) app.addHook('onClose', () => thread.close());
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const withVectors = (parsed: Record<string, unknown>) => {
      const variables = parsed.variables;
      if (typeof variables === 'object' && variables !== null) bodiesOfVariables.set(variables, bytes);
      done(null, parsed);
    };
    const general = () => {
      const plain = bytes.length > 0 && !bytes.includes('__proto__') && !bytes.includes('constructor') && !bytes.includes('\\u');
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
    };
    // No poisoning checks first: parseObjectWithVectors declines any `__proto__` or `constructor`
    // key and any escaped key, so what it returns needs none, and what it declines gets them.
    if (readVectors && bytes.length >= LARGE_BODY_BYTES) {
      // The thread pays for itself on lists of numbers only. A body without a list under a vector
      // key (a compact body: its base64 column shares the list field's name) is read here: the
      // trip to the thread and back cost more than it saved (bulk compact, rounds of two A/B runs:
      // 20,685–24,730 predictions/s through the thread, 33,229–35,430 here).
      if (thread && holdsList(bytes, listKeys)) {
        void thread.parse(bytes).then((parsed) => (parsed === undefined ? general() : withVectors(parsed)));
        return;
      }
      const parsed = parseObjectWithVectors(bytes, 0, bytes.length, vectorKeys, { atAnyDepth: true });
      if (parsed !== undefined) return withVectors(parsed);
    }
    general();
  });
}

/** Whether one of `keys` (each `"name"` with its quotes) is followed by a colon and a list: one search per key. */
function holdsList(bytes: Buffer, keys: readonly Buffer[]): boolean {
  for (const key of keys) {
    for (let at = bytes.indexOf(key); at >= 0; at = bytes.indexOf(key, at + key.length)) {
      const colon = skipJsonSpace(bytes, at + key.length, bytes.length);
      if (bytes[colon] !== COLON) continue;
      if (bytes[skipJsonSpace(bytes, colon + 1, bytes.length)] === OPEN_BRACKET) return true;
    }
  }
  return false;
}

const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;

/**
 * Bodies this large have their vectors read from the bytes, on the body thread when there is one; a
 * 256-row mnist request is about 1 MB. Smaller ones go to JSON.parse on the event loop: the hop to
 * the thread and back (a copy of the bytes, two messages) costs more than parsing a few rows, and
 * for single rows (4 KB) the typed-array lane measured no faster end to end than JSON.parse (in-run
 * A/B on the load benchmark's single-row traffic, twice: 4,431 and 4,588 predictions/s with it,
 * 4,965 and 4,588 without).
 */
export const LARGE_BODY_BYTES = 64 * 1024;

/** What the body thread gets at start. */
export interface BodyThreadInit {
  vectorKeys: string[];
}
export type BodyRequest = { id: number; bytes: Uint8Array };
export type BodyReply = { id: number; parsed: Record<string, unknown> | undefined };

/**
 * A thread that reads large JSON bodies with `parseObjectWithVectors`, so the event loop does not:
 * on bulk JSON-list traffic the parse was a third of the main thread's CPU while the second core sat
 * half idle. The body goes over as a copy (fastify's buffer may share memory with others); the
 * vectors come back as views of slabs moved from the thread, uncopied.
 *
 * Never fails a request: a body the thread declines, and every body once the thread is gone (it
 * failed, or the server closes), resolves undefined, and the caller parses it on the event loop.
 */
export class BodyThread {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, (parsed: Record<string, unknown> | undefined) => void>();
  private nextId = 0;

  constructor(vectorKeys: ReadonlySet<string>, private readonly log?: FastifyBaseLogger) {
    const worker = startWorker(new URL('./json-body-worker.js', import.meta.url), { vectorKeys: [...vectorKeys] } satisfies BodyThreadInit);
    // Not a reason to keep the process alive; the server's close ends it.
    worker.unref();
    worker.on('message', ({ id, parsed }: BodyReply) => {
      const resolve = this.waiting.get(id);
      this.waiting.delete(id);
      resolve?.(parsed);
    });
    worker.on('error', (error) => this.stop(`the body thread failed: ${error.message}`));
    worker.on('exit', (code) => this.stop(`the body thread exited (code ${code})`));
    this.worker = worker;
  }

  /** The body's object with its vectors as Float64Arrays, or undefined: parse it yourself. */
  parse(bytes: Buffer): Promise<Record<string, unknown> | undefined> {
    const worker = this.worker;
    if (worker === undefined) return Promise.resolve(undefined);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ id, bytes: copy } satisfies BodyRequest, [copy.buffer]);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.stop();
    await worker?.terminate();
  }

  /** Bodies waiting and to come are parsed by their callers from now on. */
  private stop(failure?: string): void {
    if (this.worker === undefined) return;
    if (failure) this.log?.error({ reason: failure }, 'JSON bodies are parsed on the event loop from now on');
    this.worker = undefined;
    for (const resolve of this.waiting.values()) resolve(undefined);
    this.waiting.clear();
  }
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
