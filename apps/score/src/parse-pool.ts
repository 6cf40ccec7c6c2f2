import type { Worker } from 'node:worker_threads';
import { type ModelConfig } from '@mserve/inference';
import { rowsOfBatch, startWorker, type WireTensors } from '@mserve/inference/tensors';
import type { InputSource, LineBlock } from './readers.js';
import type { RowMapperOptions } from './row-mapper.js';
import type { Layout, PreparedChunk, PreparedRow, PreparedSource } from './row-preparer.js';

/** Given to each parse worker at start. */
export interface ParseWorkerInit {
  config: ModelConfig;
  mapper: RowMapperOptions;
}

export type ParseRequest = { seq: number; block: LineBlock };

export type ParseReply =
  | { type: 'ready' }
  | { type: 'parsed'; seq: number; rows: PreparedRow[]; layout?: Layout; feeds: WireTensors }
  | { type: 'error'; seq: number; message: string };

/** Blocks sent ahead per worker: one being parsed, one waiting, so a worker never idles between blocks. */
const BLOCKS_AHEAD_PER_WORKER = 2;

interface ParseWorker {
  worker: Worker;
  /** Replies come back in the order the blocks went in. */
  pending: Array<{ resolve(chunk: PreparedChunk): void; reject(error: Error): void }>;
}

/**
 * Threads that prepare a JSONL input. Why: on a wide input (mnist's 784 pixels a row) JSON.parse,
 * mapping and packing cost more than the model costs its session, so a CLI that parses on its main
 * thread runs at the parser's speed while the cores that run the model idle. With a pool, the main
 * thread only cuts the input into blocks of `chunkRows` lines (looking for newlines, decoding
 * nothing) and moves each block to the least busy worker; the worker parses, maps and packs it
 * with the same ChunkBuilder as `prepareHere`, and moves the packed tensors back.
 *
 * A worker that dies or fails a block fails the run (exit 3): preparing a row never throws, so
 * that is a bug, not a bad row.
 */
export class ParsePool {
  private seq = 0;
  private failure: Error | undefined;

  private constructor(private readonly workers: ParseWorker[]) {
    for (const entry of workers) {
      entry.worker.on('message', (reply: ParseReply) => this.onReply(entry, reply));
      entry.worker.on('error', (error) => this.fail(new Error(`a parse worker failed: ${error.message}`)));
      entry.worker.on('exit', (code) => this.fail(new Error(`a parse worker exited (code ${code})`)));
    }
  }

  static async start(count: number, init: ParseWorkerInit): Promise<ParsePool> {
    const workers = Array.from({ length: count }, () =>
      startWorker(new URL('./parse-worker.js', import.meta.url), init),
    );
    try {
      await Promise.all(workers.map((worker) => ready(worker)));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    return new ParsePool(workers.map((worker) => ({ worker, pending: [] })));
  }

  /**
   * The chunks of `input` (one per block of `chunkRows` lines) in input order. At most `workers × 2`
   * blocks are out at once, so memory is bounded and reading waits, like everything else, on the
   * scorer's pace.
   */
  prepare(input: InputSource, chunkRows: number): PreparedSource {
    if (input.blocks === undefined) throw new Error('ParsePool: the input cannot be read in blocks (JSONL only)');
    const blocks = input.blocks(chunkRows);
    const limit = this.workers.length * BLOCKS_AHEAD_PER_WORKER;
    const parse = (block: LineBlock) => this.parse(block);
    async function* chunks(): AsyncGenerator<PreparedChunk> {
      const ahead: Array<Promise<PreparedChunk>> = [];
      for await (const block of blocks) {
        const parsed = parse(block);
        // Awaited in order below; a failure is thrown there, not reported as unhandled meanwhile.
        parsed.catch(() => undefined);
        ahead.push(parsed);
        if (ahead.length >= limit) yield await (ahead.shift() as Promise<PreparedChunk>);
      }
      while (ahead.length > 0) yield await (ahead.shift() as Promise<PreparedChunk>);
    }
    return { chunks: chunks(), position: input.position };
  }

  private parse(block: LineBlock): Promise<PreparedChunk> {
    if (this.failure) return Promise.reject(this.failure);
    const entry = this.workers.reduce((best, w) => (w.pending.length < best.pending.length ? w : best));
    return new Promise((resolve, reject) => {
      entry.pending.push({ resolve, reject });
      entry.worker.postMessage({ seq: this.seq++, block } satisfies ParseRequest, [block.bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops the workers; blocks still out fail. Never rejects. */
  async close(): Promise<void> {
    this.failure ??= new Error('the parse pool is closed');
    for (const entry of this.workers) entry.worker.removeAllListeners('exit');
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
    this.fail(this.failure);
  }

  private onReply(entry: ParseWorker, reply: ParseReply): void {
    if (reply.type === 'ready') return;
    const waiter = entry.pending.shift();
    if (waiter === undefined) return;
    if (reply.type === 'error') {
      waiter.reject(new Error(`parsing failed: ${reply.message}`));
      return;
    }
    waiter.resolve({
      rows: reply.rows,
      encoded: rowsOfBatch(reply.feeds),
      ...(reply.layout ? { layout: reply.layout } : {}),
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const entry of this.workers) for (const waiter of entry.pending.splice(0)) waiter.reject(error);
  }
}

/** Resolves when the worker has loaded its modules and built its mapper. */
function ready(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a parse worker exited while starting (code ${code})`)));
  });
}
