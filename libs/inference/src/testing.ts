// `@mserve/inference/testing`: hooks for fault-injection tests and waits on a model's queue, kept
// off the public classes. Never call them from production code.
export { killWorker } from './fault-injection.js';
export { untilQueue } from './queue-waits.js';
