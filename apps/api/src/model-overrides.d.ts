import type { ModelConfig } from '@mserve/inference';
import type { ApiConfig } from './config.js';
/** Server-wide overrides (flags/env) on top of one model's contract. */
export declare function applyOverrides(config: ApiConfig, model: ModelConfig): ModelConfig;
//# sourceMappingURL=model-overrides.d.ts.map