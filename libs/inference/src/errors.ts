/**
 * The error catalogue of the inference library: each code with its message template, the GraphQL
 * `extensions.code` the API reports and the HTTP status of a whole-request failure. Errors are made
 * only through `inferenceError`, so a message never drifts from its template.
 */
export const ERROR_CATALOGUE = {
  BAD_USER_INPUT: {
    graphqlCode: 'BAD_USER_INPUT',
    httpStatus: 400,
    retryable: false,
    template: 'Invalid input at item {item}, field {field}: {reason}',
  },
  MODEL_NOT_FOUND: {
    graphqlCode: 'MODEL_NOT_FOUND',
    httpStatus: 404,
    retryable: false,
    template: 'Model {model} not found: {reason}',
  },
  MODEL_NOT_READY: {
    graphqlCode: 'MODEL_NOT_READY',
    httpStatus: 503,
    retryable: true,
    template: 'Model {model} is {state}{reason}',
  },
  PAYLOAD_TOO_LARGE: {
    graphqlCode: 'PAYLOAD_TOO_LARGE',
    httpStatus: 413,
    retryable: false,
    template: '{what} exceeds the limit of {limit}',
  },
  QUERY_TOO_COMPLEX: {
    graphqlCode: 'QUERY_TOO_COMPLEX',
    httpStatus: 400,
    retryable: false,
    template: 'Query too complex: {reason}',
  },
  OVERLOADED: {
    graphqlCode: 'OVERLOADED',
    httpStatus: 503,
    retryable: true,
    template: 'Model {model} is overloaded: {queued} rows queued, limit {limit}; retry later',
  },
  TIMEOUT: {
    graphqlCode: 'TIMEOUT',
    httpStatus: 504,
    retryable: true,
    template: 'Deadline of {timeoutMs} ms passed before model {model} ran the row',
  },
  CANCELLED: {
    graphqlCode: 'CANCELLED',
    httpStatus: 499,
    retryable: false,
    template: 'Request cancelled before model {model} ran the row',
  },
  SHUTTING_DOWN: {
    graphqlCode: 'SHUTTING_DOWN',
    httpStatus: 503,
    retryable: true,
    template: 'Model {model} is shutting down and accepts no new rows',
  },
  OUTPUT_NOT_FINITE: {
    graphqlCode: 'OUTPUT_NOT_FINITE',
    httpStatus: 422,
    retryable: false,
    template:
      'Model {model} produced {value} at output {output}[{index}], which JSON cannot carry: the input is outside what the model can represent',
  },
  INTERNAL_SERVER_ERROR: {
    graphqlCode: 'INTERNAL_SERVER_ERROR',
    httpStatus: 500,
    retryable: false,
    template: 'Internal error',
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Values substituted into a template; each `{key}` of the template must be given. */
export type ErrorParams = Record<string, string | number>;

/**
 * A failure with a catalogue code. `details` carries structured facts for the client (field, item
 * index, limit) and never raw input values. `cause` is for logs only: the API never sends it.
 */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string | number | boolean>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].httpStatus;
  }

  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
  }
}

/** Builds an error from its catalogue template. Throws if the template names a missing parameter. */
export function inferenceError(
  code: ErrorCode,
  params: ErrorParams = {},
  details: Record<string, string | number | boolean> = {},
  cause?: unknown,
): InferenceError {
  const message = ERROR_CATALOGUE[code].template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (!(key in params)) throw new Error(`error template ${code} needs parameter "${key}"`);
    return String(params[key]);
  });
  return new InferenceError(code, message, details, cause === undefined ? undefined : { cause });
}

/**
 * The BAD_USER_INPUT error of one item's field. Its details give clients the item, the field and
 * the reason apart from the message, so nobody has to cut them out of the sentence.
 */
export function badInput(item: number, field: string, reason: string): InferenceError {
  return inferenceError('BAD_USER_INPUT', { item, field, reason }, { item, field, reason });
}

/** Any thrown value as an InferenceError; unknown failures become INTERNAL_SERVER_ERROR with the cause kept. */
export function asInferenceError(error: unknown): InferenceError {
  return error instanceof InferenceError ? error : inferenceError('INTERNAL_SERVER_ERROR', {}, {}, error);
}
