// Loaded with `--import` (NODE_OPTIONS) into a child server: writes the URL of every module the
// process resolves to the file in RECORD_IMPORTS_TO, one a line, so a test can tell what was loaded.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.RECORD_IMPORTS_TO)
  register(import.meta.url, { data: { file: process.env.RECORD_IMPORTS_TO } });

let file;

/** Runs in the hooks thread with register()'s data. */
export function initialize(data) {
  file = data.file;
}

/** Records each resolved URL, then hands it on unchanged. */
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}
