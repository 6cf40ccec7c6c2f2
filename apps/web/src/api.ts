import { Client, fetchExchange, type CombinedError } from '@urql/core';

/**
 * Where the API is, first match wins: `?api=` in the page's URL (remembered in localStorage),
 * then `VITE_API_URL` at build time, then this page's own origin (the API serves the build at /app).
 */
export function apiUrl(location: Location = window.location, storage: Storage = window.localStorage): string {
  const asked = new URLSearchParams(location.search).get('api');
  if (asked) storage.setItem('mserve.api', asked);
  return (
    asked ??
    storage.getItem('mserve.api') ??
    import.meta.env.VITE_API_URL ??
    new URL('/graphql', location.href).toString()
  );
}

/** The app's GraphQL client: POST (CSRF prevention refuses simple GETs), never cached (predictions are live). */
export function createApiClient(url: string): Client {
  return new Client({ url, exchanges: [fetchExchange], preferGetMethod: false, requestPolicy: 'network-only' });
}

/** One error as the user sees it: what happened, which field it names (if any), and whether to offer a retry. */
export interface ShownError {
  code: string;
  message: string;
  field?: string;
  retry: boolean;
}

const RETRYABLE = new Set(['OVERLOADED', 'TIMEOUT', 'MODEL_NOT_READY', 'SHUTTING_DOWN', 'NETWORK']);

/** The errors of one result: GraphQL errors with their codes, or one NETWORK error when the API was not reached. */
export function shownErrors(error: CombinedError | undefined, url: string): ShownError[] {
  if (!error) return [];
  if (error.graphQLErrors.length === 0) {
    return [
      {
        code: 'NETWORK',
        message: `Cannot reach the API at ${url} (${error.networkError?.message ?? error.message})`,
        retry: true,
      },
    ];
  }
  return error.graphQLErrors.map((e) => {
    const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';
    const field = typeof e.extensions?.field === 'string' ? e.extensions.field : undefined;
    const retry = e.extensions?.retryable === true || RETRYABLE.has(code);
    const after =
      typeof e.extensions?.retryAfterSeconds === 'number' ? ` Retry in ${e.extensions.retryAfterSeconds} s.` : '';
    return { code, message: `${e.message}${after}`, field, retry };
  });
}
