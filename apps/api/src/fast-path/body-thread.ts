import type { Worker } from 'node:worker_threads';
import { startWorker } from '@mserve/inference/tensors';
import type { FastifyBaseLogger } from 'fastify';
import type { ListBounds, LongList } from '../list-scan.js';

/** What the body thread gets at start. */
export interface BodyThreadInit {
  vectorKeys: string[];
}
export type BodyRequest = { id: number; bytes: Uint8Array; bounds: ListBounds };
/** The body's object; neither (parse it yourself); or the list that makes it too large. */
export type BodyParse = { parsed?: Record<string, unknown>; tooLong?: LongList };
export type BodyReply = { id: number } & BodyParse;

/**
 * A thread that reads large JSON bodies with a JsonVectorReader (body-thread-worker.ts), so the
 * event loop does not: on bulk JSON-list traffic the parse is a large share of the main thread's
 * CPU while the second core has room. The body goes over as a copy (fastify's buffer may share
 * memory with others); the vectors come back as views of slabs moved from the thread, uncopied.
 *
 * Never fails a request: a body the thread declines, and every body once the thread is gone (it
 * failed, or the server closes), resolves undefined, and the caller parses it on the event loop.
 */
export class BodyThread {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, (parsed: BodyParse) => void>();
  private nextId = 0;

  constructor(
    vectorKeys: ReadonlySet<string>,
    private readonly log?: FastifyBaseLogger,
  ) {
    const worker = startWorker(new URL('./body-thread-worker.js', import.meta.url), {
      vectorKeys: [...vectorKeys],
    } satisfies BodyThreadInit);
    // Not a reason to keep the process alive; the server's close ends it.
    worker.unref();
    worker.on('message', ({ id, parsed, tooLong }: BodyReply) => {
      const resolve = this.waiting.get(id);
      this.waiting.delete(id);
      resolve?.(tooLong ? { tooLong } : { parsed });
    });
    worker.on('error', (error) => this.stop(`the body thread failed: ${error.message}`));
    worker.on('exit', (code) => this.stop(`the body thread exited (code ${code})`));
    this.worker = worker;
  }

  /**
   * The body's object with its vectors as Float64Arrays; undefined: parse it yourself; or the list
   * past `bounds` that refuses it (findLongList runs first, on the thread).
   */
  parse(bytes: Buffer, bounds: ListBounds): Promise<BodyParse> {
    const worker = this.worker;
    if (worker === undefined) return Promise.resolve({});
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ id, bytes: copy, bounds } satisfies BodyRequest, [copy.buffer]);
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
    for (const resolve of this.waiting.values()) resolve({});
    this.waiting.clear();
  }
}
