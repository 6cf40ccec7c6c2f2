import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelConfig } from '@mserve/inference';
import { parseCorsOrigins } from './cors.js';

type ExecutionProvider = NonNullable<ModelConfig['executionProviders']>[number];

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
  /**
   * Lame-duck period after SIGTERM/SIGINT, before the drain: /readyz answers 503 while requests are
   * still served, so a balancer's health check takes the replica out before it refuses anything.
   */
  shutdownDelayMs: number;
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
  /** Replaces `executionProviders` of every model (a GPU deployment sets `cuda`). */
  executionProviders?: ExecutionProvider[];
  /**
   * Dynamic batching across requests. False runs each request's rows as their own model run (the
   * per-request pattern of most hand-written services), for comparison and benchmarks.
   */
  batching: boolean;
  /**
   * The fast path (apps/api/src/fast-path/): graphql-jit execution on the list-checking twin schema
   * and the vector-reading body parser; the same answers and errors as the stock path.
   */
  fastPath: boolean;
  /** Body bytes (by `content-length`) of /graphql requests accepted and not yet answered, beyond which new ones get 503 OVERLOADED before their body is read. */
  maxBodyBytesInFlight: number;
  /** From a /graphql request's headers to its body's last byte; a body still arriving then is cut with 408 and leaves MAX_BODY_BYTES_IN_FLIGHT at once. */
  bodyTimeoutMs: number;
  /** Node's `headersTimeout`: a request's headers must arrive within this, else 408 and the connection closes. */
  headersTimeoutMs: number;
  /** Node's `requestTimeout`: a whole request (headers and body, any route) must arrive within this (0: no limit). */
  requestTimeoutMs: number;
  /** How long one model version may take to load and warm up before it is marked failed. */
  loadTimeoutMs: number;
  /** Where /metrics is served: undefined on the API's port, a number on its own port (METRICS_PORT), 'off' nowhere. */
  metricsPort?: number | 'off';
  /** Longest stretch, in ms, that the event loop executes GraphQL requests before letting timers and I/O run; 0 never breaks a burst. */
  loopSliceMs: number;
  /** Seconds between two looks at modelsDir for new, changed or removed versions and models; 0 never looks. */
  modelPollSeconds: number;
  /** Bearer token of the model control API (`/v2/repository/*`); empty: no such API. */
  adminToken: string;
  /** Serve the API as an Apollo Federation 2 subgraph: `_service`, `_entities` and the entities contracts extend. */
  federation: boolean;
  /** Origins that browsers may call from: `*` (any, no credentials), a comma list (credentials allowed) or `off`. */
  corsOrigins: string;
  /** The build of apps/web served under /app (missing: the API starts without it and says so). */
  webDir: string;
}

interface Setting {
  env: string;
  flag: string;
  parse: (raw: string, name: string) => unknown;
  fallback: unknown;
}

const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../../models', import.meta.url));
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const int = (min: number) => (raw: string, name: string) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
};
const bool = (raw: string, name: string) => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
};
const text = (raw: string) => raw;
const seconds = (raw: string, name: string) => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of seconds ≥ 0, got "${raw}"`);
  return value;
};
const cors = (raw: string, name: string) => {
  parseCorsOrigins(raw, name);
  return raw;
};
const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu', 'tensorrt'];
const providers = (raw: string, name: string) => {
  const values = list(raw);
  const bad = values.find((p) => !PROVIDERS.includes(p as ExecutionProvider));
  if (values.length === 0 || bad !== undefined)
    throw new Error(`${name} must be a comma-separated list of ${PROVIDERS.join(', ')}, got "${raw}"`);
  return values as ExecutionProvider[];
};

const SETTINGS: Record<keyof ApiConfig, Setting> = {
  port: { env: 'PORT', flag: 'port', parse: int(0), fallback: 4000 },
  host: { env: 'HOST', flag: 'host', parse: text, fallback: '0.0.0.0' },
  modelsDir: { env: 'MODELS_DIR', flag: 'models-dir', parse: text, fallback: DEFAULT_MODELS_DIR },
  models: { env: 'MODELS', flag: 'models', parse: list, fallback: [] },
  logLevel: { env: 'LOG_LEVEL', flag: 'log-level', parse: text, fallback: 'info' },
  introspection: { env: 'INTROSPECTION', flag: 'introspection', parse: bool, fallback: true },
  playground: { env: 'PLAYGROUND', flag: 'playground', parse: bool, fallback: true },
  maxRowsPerRequest: { env: 'MAX_ROWS_PER_REQUEST', flag: 'max-rows-per-request', parse: int(1), fallback: 10_000 },
  bodyLimitBytes: { env: 'BODY_LIMIT_BYTES', flag: 'body-limit-bytes', parse: int(1024), fallback: 16 * 1024 * 1024 },
  maxDepth: { env: 'MAX_DEPTH', flag: 'max-depth', parse: int(1), fallback: 12 },
  maxAliases: { env: 'MAX_ALIASES', flag: 'max-aliases', parse: int(0), fallback: 256 },
  maxCost: { env: 'MAX_COST', flag: 'max-cost', parse: int(1), fallback: 50_000 },
  maxTokens: { env: 'MAX_TOKENS', flag: 'max-tokens', parse: int(100), fallback: 100_000 },
  shutdownGraceMs: { env: 'SHUTDOWN_GRACE_MS', flag: 'shutdown-grace-ms', parse: int(0), fallback: 10_000 },
  shutdownDelayMs: { env: 'SHUTDOWN_DELAY_MS', flag: 'shutdown-delay-ms', parse: int(0), fallback: 0 },
  maxBatchSize: { env: 'MAX_BATCH_SIZE', flag: 'max-batch-size', parse: int(1), fallback: undefined },
  maxQueueDelayMicros: {
    env: 'MAX_QUEUE_DELAY_MICROS',
    flag: 'max-queue-delay-micros',
    parse: int(0),
    fallback: undefined,
  },
  maxQueueSize: { env: 'MAX_QUEUE_SIZE', flag: 'max-queue-size', parse: int(1), fallback: undefined },
  instances: { env: 'INSTANCES', flag: 'instances', parse: int(1), fallback: undefined },
  threadsPerInstance: { env: 'THREADS_PER_INSTANCE', flag: 'threads-per-instance', parse: int(1), fallback: undefined },
  executionProviders: {
    env: 'EXECUTION_PROVIDERS',
    flag: 'execution-providers',
    parse: providers,
    fallback: undefined,
  },
  batching: { env: 'BATCHING', flag: 'batching', parse: bool, fallback: true },
  fastPath: { env: 'FAST_PATH', flag: 'fast-path', parse: bool, fallback: true },
  maxBodyBytesInFlight: {
    env: 'MAX_BODY_BYTES_IN_FLIGHT',
    flag: 'max-body-bytes-in-flight',
    parse: int(1024),
    fallback: 64 * 1024 * 1024,
  },
  bodyTimeoutMs: { env: 'BODY_TIMEOUT_MS', flag: 'body-timeout-ms', parse: int(1), fallback: 10_000 },
  headersTimeoutMs: { env: 'HEADERS_TIMEOUT_MS', flag: 'headers-timeout-ms', parse: int(1), fallback: 10_000 },
  requestTimeoutMs: { env: 'REQUEST_TIMEOUT_MS', flag: 'request-timeout-ms', parse: int(0), fallback: 60_000 },
  loadTimeoutMs: { env: 'LOAD_TIMEOUT_MS', flag: 'load-timeout-ms', parse: int(1), fallback: 120_000 },
  metricsPort: {
    env: 'METRICS_PORT',
    flag: 'metrics-port',
    parse: (raw: string, name: string) => (raw === 'off' ? 'off' : int(0)(raw, name)),
    fallback: undefined,
  },
  loopSliceMs: { env: 'LOOP_SLICE_MS', flag: 'loop-slice-ms', parse: int(0), fallback: 4 },
  modelPollSeconds: { env: 'MODEL_POLL_SECONDS', flag: 'model-poll-seconds', parse: seconds, fallback: 0 },
  adminToken: { env: 'ADMIN_TOKEN', flag: 'admin-token', parse: text, fallback: '' },
  federation: { env: 'FEDERATION', flag: 'federation', parse: bool, fallback: false },
  corsOrigins: { env: 'CORS_ORIGINS', flag: 'cors-origins', parse: cors, fallback: '*' },
  webDir: { env: 'WEB_DIR', flag: 'web-dir', parse: text, fallback: DEFAULT_WEB_DIR },
};

/** The env var of every setting (deployment manifests are checked against these). */
export const SETTING_ENV_VARS: readonly string[] = Object.values(SETTINGS).map((s) => s.env);

/** Reads the config from argv flags and env vars; throws naming the setting on a bad value. */
export function loadConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): ApiConfig {
  const options = Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' as const }]));
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const config: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const flag = values[setting.flag];
    const raw = typeof flag === 'string' ? flag : env[setting.env];
    config[key] =
      raw === undefined || raw === ''
        ? setting.fallback
        : setting.parse(raw, typeof flag === 'string' ? `--${setting.flag}` : setting.env);
  }
  return config as unknown as ApiConfig;
}

/** The defaults, with `overrides` on top: for tests and embedding. */
export function configWith(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return { ...loadConfig([], {}), ...overrides };
}
