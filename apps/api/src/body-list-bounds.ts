import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';
import { findLongList, LIST_SCAN_FROM_BYTES, type ListBounds, type LongList } from './list-scan.js';

const WHAT = {
  objects: 'objects (rows, MAX_ROWS_PER_REQUEST)',
  elements: 'elements',
  keys: 'keys',
  strings: 'strings',
  depth: 'levels of nesting',
} as const;

/** The 413 for `list`, from the catalogue. */
export function longListError(list: LongList): ApiError {
  return new ApiError('LIST_TOO_LONG', {
    path: list.path,
    limit: list.limit,
    what: WHAT[list.kind],
  });
}

/**
 * Fastify's own JSON parser with findLongList before it, for the stock path (the fast path's parser
 * runs the same check itself). Bodies under LIST_SCAN_FROM_BYTES are parsed as they are.
 */
export function registerBoundedJsonParser(app: FastifyInstance, bounds: () => ListBounds): void {
  const stock = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const long = bytes.length >= LIST_SCAN_FROM_BYTES ? findLongList(bytes, bounds()) : undefined;
    if (long) return done(longListError(long), undefined);
    return stock.call(app, request, bytes.toString('utf8'), done);
  });
}
