import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Timers } from './batcher.js';
import { inferenceError } from './errors.js';
import { publicReason } from './failure-reason.js';
import { assertRegularFile, DEFAULT_LOAD_TIMEOUT_MS, loadWithin } from './load-guard.js';
import { LoadedModel } from './loaded-model.js';
import { parseModelConfig, type ModelConfig } from './model-config.js';
import { noMetrics, silentLogger, type InferenceMetrics, type Logger } from './observability.js';

/** The lifecycle of one model version. */
export type ModelState =
  | { phase: 'loading' }
  | { phase: 'ready'; model: LoadedModel }
  | { phase: 'failed'; reason: string }
  | { phase: 'closed' };

export interface ModelVersionEntry {
  version: number;
  state: ModelState;
}

export interface ModelEntry {
  name: string;
  /** The parsed contract; undefined when config.json itself could not be read. */
  config: ModelConfig | undefined;
  /** Newest first. The first one serves requests that name no version. */
  versions: ModelVersionEntry[];
}

export interface RepositoryOptions {
  /** The folder holding `<name>/config.json` and `<name>/<version>/model.onnx`. */
  root: string;
  /** Serve only these models (default: every folder under root). */
  only?: readonly string[];
  /** Overrides applied to every model's contract (e.g. from env vars), after config.json. */
  overrides?: (name: string, config: ModelConfig) => ModelConfig;
  logger?: Logger;
  metrics?: InferenceMetrics;
  /** How long one version may take to load and warm up before it is marked failed (LOAD_TIMEOUT_MS). */
  loadTimeoutMs?: number;
  clock?: Clock;
  timers?: Timers;
}

/**
 * The model repository, Triton's layout: `root/<name>/config.json` and numbered version folders
 * `root/<name>/<version>/model.onnx`. Every version found is loaded; the newest serves by default.
 * A model that fails to load (missing or corrupt file, bad contract, contract/signature mismatch)
 * is marked failed with its reason, and the others serve regardless.
 */
export class ModelRepository {
  private readonly entries = new Map<string, ModelEntry>();
  private readonly loads: Array<Promise<void>> = [];

  private constructor(private readonly options: RepositoryOptions) {}

  /** Scans the folder and starts loading every model; `ready()` tells when all have settled. */
  static async open(options: RepositoryOptions): Promise<ModelRepository> {
    const repository = new ModelRepository(options);
    await repository.scan();
    return repository;
  }

  /** Resolves once every version has finished loading, successfully or not. Never rejects. */
  async ready(): Promise<void> {
    await Promise.all(this.loads);
  }

  /** Every model, in name order. */
  list(): ModelEntry[] {
    return [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** True when every version of every model is ready. */
  get allReady(): boolean {
    return this.list().every((entry) => entry.versions.length > 0 && entry.versions.every((v) => v.state.phase === 'ready'));
  }

  /**
   * The model version that serves `name` (newest when `version` is undefined). Throws
   * MODEL_NOT_FOUND for an unknown name or version and MODEL_NOT_READY when it is not loaded.
   */
  get(name: string, version?: number): LoadedModel {
    const entry = this.entries.get(name);
    const known = [...this.entries.keys()].sort().join(', ') || '(none)';
    const target = version === undefined ? entry?.versions[0] : entry?.versions.find((v) => v.version === version);
    if (!entry) throw inferenceError('MODEL_NOT_FOUND', { model: name, reason: `known models are ${known}` }, { model: name });
    if (!target) {
      const versions = entry.versions.map((v) => v.version).join(', ');
      throw inferenceError('MODEL_NOT_FOUND', { model: name, reason: `it has no version ${version}; its versions are ${versions}` }, { model: name, version: version ?? 0 });
    }
    const state = target.state;
    if (state.phase === 'ready') return state.model;
    const reason = state.phase === 'failed' ? `: ${state.reason}` : '';
    throw inferenceError('MODEL_NOT_READY', { model: `${name}@${target.version}`, state: state.phase, reason }, { model: name, version: target.version, state: state.phase });
  }

  /** Closes every loaded version: each drains its queued rows, then disposes its sessions. */
  async close(): Promise<void> {
    await this.ready();
    await Promise.all(
      this.list().flatMap((entry) =>
        entry.versions.map(async (v) => {
          if (v.state.phase === 'ready') await v.state.model.close();
          v.state = { phase: 'closed' };
        }),
      ),
    );
  }

  /** Closes every loaded version without draining its queue (see LoadedModel.closeNow). */
  async closeNow(): Promise<void> {
    await Promise.all(
      this.list().flatMap((entry) =>
        entry.versions.map(async (v) => {
          if (v.state.phase === 'ready') await v.state.model.closeNow();
          v.state = { phase: 'closed' };
        }),
      ),
    );
  }

  private async scan(): Promise<void> {
    const { root, only } = this.options;
    const names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    const wanted = only ?? names;
    for (const name of wanted) {
      const entry: ModelEntry = { name, config: undefined, versions: [] };
      this.entries.set(name, entry);
      if (!names.includes(name)) {
        entry.versions.push({ version: 1, state: { phase: 'failed', reason: `no folder ${name} in the model repository` } });
        continue;
      }
      const folder = join(root, name);
      const versions = (await readdir(folder, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && /^[1-9][0-9]*$/.test(d.name))
        .map((d) => Number(d.name))
        .sort((a, b) => b - a);
      if (versions.length === 0) {
        entry.versions.push({ version: 1, state: { phase: 'failed', reason: `no version folder (e.g. ${name}/1) holding model.onnx` } });
        continue;
      }
      entry.versions = versions.map((version) => ({ version, state: { phase: 'loading' } }));
      this.loads.push(this.loadModel(entry));
    }
  }

  private async loadModel(entry: ModelEntry): Promise<void> {
    const { logger = silentLogger } = this.options;
    const folder = join(this.options.root, entry.name);
    let config: ModelConfig;
    try {
      const parsed = parseModelConfig(JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')));
      config = this.options.overrides ? this.options.overrides(entry.name, parsed) : parsed;
      entry.config = config;
    } catch (error) {
      const reason = `config.json: ${error instanceof Error ? error.message : String(error)}`;
      // Clients get a short reason (no paths, no native source locations); the log the detail.
      for (const v of entry.versions) v.state = { phase: 'failed', reason: publicReason(reason, this.options.root) };
      logger.error({ model: entry.name, reason }, 'model failed to load');
      return;
    }
    await Promise.all(
      entry.versions.map(async (v) => {
        const modelPath = join(folder, String(v.version), 'model.onnx');
        const started = performance.now();
        try {
          const load = async () => {
            await assertRegularFile(modelPath);
            return LoadedModel.load({ name: entry.name, version: v.version, modelPath, config, logger, metrics: this.options.metrics ?? noMetrics, clock: this.options.clock, timers: this.options.timers });
          };
          const model = await loadWithin(load, this.options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS, `${entry.name}/${v.version}/model.onnx`);
          v.state = { phase: 'ready', model };
          const { provider } = model.executionProvider;
          logger.info({ model: entry.name, version: v.version, provider, loadMs: Math.round(performance.now() - started) }, 'model ready');
        } catch (error) {
          const reason = loadFailureReason(error, modelPath);
          v.state = { phase: 'failed', reason: publicReason(reason, this.options.root) };
          logger.error({ model: entry.name, version: v.version, reason, detail: error instanceof Error ? error.message : String(error) }, 'model failed to load');
        }
      }),
    );
  }
}

/** A one-line reason a person can act on, without onnxruntime's stack noise. */
function loadFailureReason(error: unknown, modelPath: string): string {
  if (typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') return `missing ${modelPath}`;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ConfigError') return `contract mismatch: ${message}`;
  return message.split('\n')[0];
}
