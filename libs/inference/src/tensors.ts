// `@mserve/inference/tensors`: wire-level building blocks for code that reads and packs rows on
// threads of its own (the scoring CLI's parse threads, the API's body reader, benchmarks, codegen).
// Serving code needs only index.ts.
export { allocate, elementCount } from './dtypes.js';
export { ColumnCodec, base64Length } from './column-codec.js';
export { JsonVectorReader } from './json-vectors.js';
export type { JsonVectorReaderOptions } from './json-vectors.js';
export { skipSpace as skipJsonSpace } from './json-text.js';
export { assembleBatch, rowsOfBatch } from './row-batches.js';
export { checkSignature } from './signature.js';
export { startWorker, transferList } from './worker-protocol.js';
export type { WireTensors } from './worker-protocol.js';
