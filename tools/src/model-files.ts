import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainedModel } from './recipe.js';

/** Where one model's files went. */
export interface ModelFiles {
  onnx: string;
  config: string;
}

/**
 * Writes the repository layout the server loads: `<root>/<name>/1/model.onnx` (version 1) and
 * `<root>/<name>/config.json` (2-space JSON with a trailing newline, so re-running gives the same bytes).
 */
export function writeModelFiles(root: string, name: string, model: TrainedModel): ModelFiles {
  const versionDir = join(root, name, '1');
  mkdirSync(versionDir, { recursive: true });
  const files: ModelFiles = { onnx: join(versionDir, 'model.onnx'), config: join(root, name, 'config.json') };
  writeFileSync(files.onnx, model.onnx);
  writeFileSync(files.config, `${JSON.stringify(model.config, null, 2)}\n`);
  return files;
}
