export { DynamicBatcher } from './batcher.js';
