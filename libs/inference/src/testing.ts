// `@mserve/inference/testing`: hooks for fault-injection tests, kept off the public classes.
// Never call them from production code.
export { killWorker } from './fault-injection.js';
