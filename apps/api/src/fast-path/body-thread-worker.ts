import { parentPort, workerData } from 'node:worker_threads';
import { JsonVectorReader } from '@mserve/inference/tensors';
import { findLongList } from '../list-scan.js';
import type { BodyParse, BodyReply, BodyRequest, BodyThreadInit } from './body-thread.js';

/**
 * The body thread of body-thread.ts: a large JSON body's bytes in, the object back with its vectors
 * (Float64Array views of a few slabs) moved, not copied. A body with a list past the request's
 * bounds goes back as that list, unread; a body it declines goes back empty and the main thread
 * parses it as any other. One reader serves the thread for its life.
 */
function serve(port: NonNullable<typeof parentPort>, { vectorKeys }: BodyThreadInit): void {
  const reader = new JsonVectorReader(new Set(vectorKeys), { atAnyDepth: true, longNumberLists: true });
  port.on('message', ({ id, bytes, bounds }: BodyRequest) => {
    let reply: BodyParse = {};
    try {
      const tooLong = findLongList(bytes, bounds);
      reply = tooLong
        ? { tooLong }
        : { parsed: reader.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) };
    } catch {
      // Neither throws; were one to, the main thread's own parse decides.
      reply = {};
    }
    const slabs = new Set<ArrayBuffer>();
    if (reply.parsed !== undefined) collectBuffers(reply.parsed, slabs);
    // Moving the slabs detaches them here: the reader's next vector starts a new one.
    port.postMessage({ id, ...reply } satisfies BodyReply, [...slabs]);
  });
}

/** The buffers under the vectors of `value` (views of this thread's slabs), each once. */
function collectBuffers(value: unknown, into: Set<ArrayBuffer>): void {
  if (value instanceof Float64Array) {
    into.add(value.buffer as ArrayBuffer);
  } else if (Array.isArray(value)) {
    for (const item of value) collectBuffers(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const key in value) collectBuffers((value as Record<string, unknown>)[key], into);
  }
}

serve(parentPort as NonNullable<typeof parentPort>, workerData as BodyThreadInit);
