import { basename, relative } from 'node:path';

/** Native source files in onnxruntime's messages (`…/onnxruntime/core/graph/model.cc:180`). */
const SOURCE_LOCATION = /[\w./-]*\.(?:cc|cpp|cxx|h|hpp)(?::\d+)?\b/g;
/** Absolute paths, up to a quote, bracket, colon or space. */
const ABSOLUTE_PATH = /(?<![\w.])\/[^\s:'"()[\]]+/g;

/**
 * The reason a model failed, as clients may see it (MODEL_NOT_READY, `models { reason }`,
 * /readyz): its first line, paths under the repository `root` made relative to it, other absolute
 * paths cut to their file name, onnxruntime's source locations and C++ signatures removed. The
 * full detail goes to the log only.
 */
export function publicReason(detail: string, root: string): string {
  const line = detail.split('\n')[0] ?? '';
  return line
    .replace(SOURCE_LOCATION, '')
    .replace(/\s*onnxruntime::[^\s(]+(?:\([^)]*\))?/g, '')
    .replace(ABSOLUTE_PATH, (path) => {
      const inside = relative(root, path);
      return inside !== '' && !inside.startsWith('..') ? inside : basename(path);
    })
    .replace(/\s{2,}/g, ' ')
    .trim()
    .slice(0, 300);
}
