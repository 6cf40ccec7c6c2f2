import type { SubmitOptions } from '@mserve/inference';
import { GraphQLError } from 'graphql';

/** The request header that names a request's priority level. */
export const PRIORITY_HEADER = 'x-priority';

/** A priority level of the batcher (its queues, highest first: high, normal, low). */
export type Priority = NonNullable<SubmitOptions['priority']>;

// A record, so the compiler checks that the list names every level of the library's, and no other.
const LEVELS: Record<Priority, true> = { high: true, normal: true, low: true };

/** Every priority level, highest first. */
export const PRIORITY_LEVELS = Object.keys(LEVELS) as readonly Priority[];

function isPriority(value: string): value is Priority {
  return Object.hasOwn(LEVELS, value);
}

/**
 * The priority level a request asks for in its `x-priority` header (`high`, `normal` or `low`,
 * case-insensitive; `normal` when absent), for every protocol the server speaks. Throws a 400
 * BAD_REQUEST error naming the header when the value is anything else, so a typo is not silently
 * served at the default level.
 */
export function requestPriority(headers: Readonly<Record<string, string | string[] | undefined>>): Priority {
  const header = headers[PRIORITY_HEADER];
  if (header === undefined) return 'normal';
  const raw = Array.isArray(header) ? header.join(',') : header;
  const value = raw.trim().toLowerCase();
  if (isPriority(value)) return value;
  throw new GraphQLError(`Header ${PRIORITY_HEADER} must be high, normal or low, got "${raw.slice(0, 32)}"`, {
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  });
}
