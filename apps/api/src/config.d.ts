/**
 * Every setting of the API server. Each comes from a flag (`--port 4000`), else an env var
 * (`PORT=4000`), else its default; the defaults serve the bundled models with no setup.
 * The README's configuration table lists them all; keep the two in step.
 */
export interface ApiConfig {
    port: number;
    host: string;
    modelsDir: string;
    /** Serve only these models (empty: every folder of modelsDir). */
    models: string[];
    logLevel: string;
    introspection: boolean;
    playground: boolean;
    /** Most prediction rows one GraphQL request may ask for, over all its fields. */
    maxRowsPerRequest: number;
    bodyLimitBytes: number;
    maxDepth: number;
    maxAliases: number;
    maxCost: number;
    maxTokens: number;
    /** How long in-flight and queued work may take to finish after SIGTERM/SIGINT. */
    shutdownGraceMs: number;
    /** Replaces `batching.maxBatchSize` of every model (for tuning and tests). */
    maxBatchSize?: number;
    /** Replaces `batching.maxQueueDelayMicros` of every model. */
    maxQueueDelayMicros?: number;
    /** Replaces `batching.maxQueueSize` of every model: rows waiting before new ones get OVERLOADED. */
    maxQueueSize?: number;
    /** Replaces `instances` of every model. */
    instances?: number;
    /** Replaces `threadsPerInstance` of every model. */
    threadsPerInstance?: number;
    /**
     * Dynamic batching across requests. False runs each request's rows as their own model run (the
     * per-request pattern of most hand-written services), for comparison and benchmarks.
     */
    batching: boolean;
    /** Coerce `[Float!]`/`[Int!]` variables in one pass instead of graphql-js's per element (same results and errors). */
    fastCoercion: boolean;
    /** With fastCoercion, read JSON bodies of 64 KiB or more on a thread of their own rather than on the event loop. */
    bodyThread: boolean;
    /** Body bytes (by `content-length`) of /graphql requests accepted and not yet answered, beyond which new ones get 503 OVERLOADED before their body is read. */
    maxBodyBytesInFlight: number;
    /** From a /graphql request's headers to its body's last byte; a body still arriving then is cut with 408 and leaves MAX_BODY_BYTES_IN_FLIGHT at once. */
    bodyTimeoutMs: number;
    /** Node's `headersTimeout`: a request's headers must arrive within this, else 408 and the connection closes. */
    headersTimeoutMs: number;
    /** Node's `requestTimeout`: a whole request (headers and body, any route) must arrive within this (0: no limit). */
    requestTimeoutMs: number;
    /** Longest stretch, in ms, that the event loop executes GraphQL requests before letting timers and I/O run; 0 never breaks a burst. */
    loopSliceMs: number;
    /** Adds the `ceiling_*` fields: the same arguments and results as each model field, without inference (benchmarks only). */
    benchmarkFields: boolean;
}
/** Reads the config from argv flags and env vars; throws naming the setting on a bad value. */
export declare function loadConfig(argv?: readonly string[], env?: NodeJS.ProcessEnv): ApiConfig;
/** The defaults, with `overrides` on top: for tests and embedding. */
export declare function configWith(overrides?: Partial<ApiConfig>): ApiConfig;
//# sourceMappingURL=config.d.ts.map