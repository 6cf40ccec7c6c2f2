import { type AbortSignalLike, type InferenceError, type ModelRepository, type Prediction, type SubmitOptions } from '@mserve/inference';
import type { SchemaContext } from '@mserve/schema';
export interface RequestContextOptions {
    repository: ModelRepository;
    requestId: string;
    /** Aborted when the client goes away: its rows still waiting are dropped before they run. */
    signal: AbortSignalLike;
    /** The request's deadline (`x-timeout-ms`); it can only shorten each model's own timeout. */
    timeoutMs?: number;
    maxRowsPerRequest: number;
}
/**
 * Aborts once, when the client has gone away: the signal of a request's submissions, at a fraction of
 * an AbortController's cost (see AbortSignalLike).
 */
export declare class ClientGone implements AbortSignalLike {
    aborted: boolean;
    private listeners;
    /** Each listener is called once at most (`once` or not): there is only one abort. */
    addEventListener(_type: 'abort', listener: () => void, _options?: {
        once?: boolean;
    }): void;
    removeEventListener(_type: 'abort', listener: () => void): void;
    abort(): void;
}
/**
 * The context of one GraphQL request. Its DataLoaders (one per model version, made on first use)
 * gather every prediction field of the operation that resolves in the same tick (aliases, list
 * items, batch rows) into one submission to that model's shared batcher, which merges it with other
 * requests' rows. Loaders are per request, so nothing is cached across users; the cache is off
 * because rows are values, not entities, and hashing 784 floats costs more than it saves.
 */
export declare class RequestContext implements SchemaContext {
    private readonly options;
    readonly repository: ModelRepository;
    readonly requestId: string;
    /** Rows asked of each model (`name@version`), for the operation's log line. */
    readonly rowsByModel: Record<string, number>;
    /** The client's abort signal and deadline, for every submission of this request to a batcher. */
    readonly submitOptions: SubmitOptions;
    private readonly loaders;
    private rows;
    constructor(options: RequestContextOptions);
    predict(model: string, version: number | undefined, items: readonly unknown[]): Promise<Array<Prediction | InferenceError>>;
    predictColumns(model: string, version: number | undefined, columns: Readonly<Record<string, unknown>>): Promise<Array<Prediction | InferenceError>>;
    /** Counts `rows` more rows of `model` for this request; throws PAYLOAD_TOO_LARGE past the limit. */
    private admit;
    /** Sends the valid rows through the request's loader for `model`; invalid ones keep their error in place. */
    private run;
    private loaderFor;
}
//# sourceMappingURL=context.d.ts.map