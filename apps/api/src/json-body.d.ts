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
export declare function registerJsonBodyParser(app: FastifyInstance, vectorKeys?: ReadonlySet<string>, { bodyThread }?: {
    bodyThread?: boolean | undefined;
}): void;
/**
 * Bodies this large have their vectors read from the bytes, on the body thread when there is one; a
 * 256-row mnist request is about 1 MB. Smaller ones go to JSON.parse on the event loop: the hop to
 * the thread and back (a copy of the bytes, two messages) costs more than parsing a few rows, and
 * for single rows (4 KB) the typed-array lane measured no faster end to end than JSON.parse (in-run
 * A/B on the load benchmark's single-row traffic, twice: 4,431 and 4,588 predictions/s with it,
 * 4,965 and 4,588 without).
 */
export declare const LARGE_BODY_BYTES: number;
/** What the body thread gets at start. */
export interface BodyThreadInit {
    vectorKeys: string[];
}
export type BodyRequest = {
    id: number;
    bytes: Uint8Array;
};
export type BodyReply = {
    id: number;
    parsed: Record<string, unknown> | undefined;
};
/**
 * A thread that reads large JSON bodies with `parseObjectWithVectors`, so the event loop does not:
 * on bulk JSON-list traffic the parse was a third of the main thread's CPU while the second core sat
 * half idle. The body goes over as a copy (fastify's buffer may share memory with others); the
 * vectors come back as views of slabs moved from the thread, uncopied.
 *
 * Never fails a request: a body the thread declines, and every body once the thread is gone (it
 * failed, or the server closes), resolves undefined, and the caller parses it on the event loop.
 */
export declare class BodyThread {
    private readonly log?;
    private worker;
    private readonly waiting;
    private nextId;
    constructor(vectorKeys: ReadonlySet<string>, log?: FastifyBaseLogger | undefined);
    /** The body's object with its vectors as Float64Arrays, or undefined: parse it yourself. */
    parse(bytes: Buffer): Promise<Record<string, unknown> | undefined>;
    close(): Promise<void>;
    /** Bodies waiting and to come are parsed by their callers from now on. */
    private stop;
}
/**
 * `variables` as JSON.parse gives them (lists as arrays) when the body parser read them with
 * Float64Arrays; else `variables` itself. For error paths only: it parses the whole body again.
 */
export declare function plainVariables(variables: Record<string, unknown> | undefined): Record<string, unknown> | undefined;
//# sourceMappingURL=json-body.d.ts.map