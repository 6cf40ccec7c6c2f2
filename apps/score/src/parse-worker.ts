import { parentPort, workerData } from 'node:worker_threads';
import { assembleBatch, JsonVectorReader, transferList, type WireTensors } from '@mserve/inference/tensors';
import type { ParseReply, ParseRequest, ParseWorkerInit } from './parse-pool.js';
import { jsonlBlockRows } from './readers.js';
import { RowMapper } from './row-mapper.js';
import { ChunkBuilder } from './row-preparer.js';

/** A parse thread of parse-pool.ts: each block of JSONL lines in, one prepared chunk out (tensors moved, not copied). */
const init = workerData as ParseWorkerInit;
const port = parentPort as NonNullable<typeof parentPort>;
const mapper = new RowMapper(init.config, init.mapper);
const vectorColumns = mapper.vectorColumns();
const vectors = vectorColumns.size > 0 ? new JsonVectorReader(vectorColumns) : undefined;
const builder = new ChunkBuilder(mapper, init.config);

port.on('message', ({ seq, block }: ParseRequest) => {
  let reply: ParseReply;
  let feeds: WireTensors = {};
  try {
    for (const row of jsonlBlockRows(block, vectors)) builder.add(row);
    const chunk = builder.take();
    // The codec packed the chunk's rows into one buffer per tensor: that buffer is the batch, uncopied.
    if (chunk.encoded.length > 0) feeds = assembleBatch(chunk.encoded);
    reply = { type: 'parsed', seq, rows: chunk.rows, feeds, ...(chunk.layout ? { layout: chunk.layout } : {}) };
  } catch (error) {
    reply = { type: 'error', seq, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, transferList(feeds));
});

port.postMessage({ type: 'ready' } satisfies ParseReply);
