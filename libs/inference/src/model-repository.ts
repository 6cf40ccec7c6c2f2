import type { Clock, Timers } from './batcher-options.js';
import { inferenceError } from './errors.js';
import { publicReason } from './failure-reason.js';
import type { LoadedModel } from './loaded-model.js';
import type { ModelConfig } from './model-config.js';
import { RepositoryWatcher } from './repository-watcher.js';
import { silentLogger, type InferenceMetrics, type Logger } from './observability.js';
import { loadVersion, readModelConfig, scanRepository } from './version-loading.js';

/** The lifecycle of one model version. */
export type ModelState =
  | { phase: 'loading' }
  | { phase: 'ready'; model: LoadedModel }
  | { phase: 'failed'; reason: string }
  | { phase: 'closed' };

export interface ModelVersionEntry {
  version: number;
  state: ModelState;
  /** Loaded by the repository watcher after start: its failure leaves the versions that serve in charge (see allReady). */
  rollout?: boolean;
  /** Why the last reload of this ready version (a changed config.json or model.onnx) failed; it serves as before. */
  reloadFailure?: string;
}

export interface ModelEntry {
  name: string;
  /** The parsed contract; undefined when config.json itself could not be read. */
  config: ModelConfig | undefined;
  /** Newest first. The newest ready one serves requests that name no version. */
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
 * `root/<name>/<version>/model.onnx`. Every version found is loaded; the newest ready one serves by default.
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

  /**
   * True when every version of every model is ready; a version the watcher failed to load does not
   * count against a model that has a ready one (it never replaced it).
   */
  get allReady(): boolean {
    return this.list().every((entry) => {
      const serving = entry.versions.some((v) => v.state.phase === 'ready');
      return (
        entry.versions.length > 0 &&
        entry.versions.every(
          (v) => v.state.phase === 'ready' || (serving && v.rollout === true && v.state.phase === 'failed'),
        )
      );
    });
  }

  /**
   * The model version that serves `name` (the newest ready one when `version` is undefined). Throws
   * MODEL_NOT_FOUND for an unknown name or version and MODEL_NOT_READY when it is not loaded.
   */
  get(name: string, version?: number): LoadedModel {
    const entry = this.entries.get(name);
    const known = [...this.entries.keys()].sort().join(', ') || '(none)';
    const target =
      version === undefined
        ? (entry?.versions.find((v) => v.state.phase === 'ready') ?? entry?.versions[0])
        : entry?.versions.find((v) => v.version === version);
    if (!entry)
      throw inferenceError('MODEL_NOT_FOUND', { model: name, reason: `known models are ${known}` }, { model: name });
    if (!target) {
      const versions = entry.versions.map((v) => v.version).join(', ');
      throw inferenceError(
        'MODEL_NOT_FOUND',
        { model: name, reason: `it has no version ${version}; its versions are ${versions}` },
        { model: name, version: version ?? 0 },
      );
    }
    const state = target.state;
    if (state.phase === 'ready') return state.model;
    const reason = state.phase === 'failed' ? `: ${state.reason}` : '';
    throw inferenceError(
      'MODEL_NOT_READY',
      { model: `${name}@${target.version}`, state: state.phase, reason },
      { model: name, version: target.version, state: state.phase },
    );
  }

  /**
   * A watcher that keeps this repository in step with its folder (see RepositoryWatcher), polling
   * every `intervalMs` once started; its `load` and `unload` serve a model control API.
   */
  watch(options: { intervalMs: number }): RepositoryWatcher {
    return new RepositoryWatcher(this, {
      root: this.options.root,
      only: this.options.only,
      logger: this.options.logger,
      intervalMs: options.intervalMs,
    });
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
    for (const entry of await scanRepository(this.options.root, this.options.only)) {
      this.entries.set(entry.name, entry);
      if (entry.versions.some((v) => v.state.phase === 'loading')) this.loads.push(this.loadModel(entry));
    }
  }

  /**
   * Loads (or reloads) versions of `name` from disk with its current config.json: for the
   * repository watcher. Each one that loads is served once warmed (the newest ready is the
   * default); a reloaded one replaces its predecessor, which then drains and is disposed. A version
   * that fails never replaces a working one: that one serves on, with `reloadFailure` set. A model
   * new to the repository appears once its versions have settled. Never rejects.
   */
  async loadVersions(name: string, versions: readonly number[]): Promise<void> {
    const { logger = silentLogger } = this.options;
    const entry = this.entries.get(name) ?? { name, config: undefined, versions: [] };
    let config: ModelConfig | undefined;
    let states: ModelState[];
    try {
      config = await readModelConfig(this.options, name);
      states = await Promise.all(
        versions.map((version) => loadVersion(this.options, name, version, config as ModelConfig)),
      );
    } catch (error) {
      const reason = `config.json: ${error instanceof Error ? error.message : String(error)}`;
      logger.error({ model: name, reason }, 'model failed to load');
      states = versions.map(() => ({ phase: 'failed', reason }));
    }
    versions.forEach((version, i) => {
      const state = states[i];
      const existing = entry.versions.find((v) => v.version === version);
      if (existing?.state.phase === 'ready' && state.phase === 'failed') {
        existing.reloadFailure = state.reason;
        logger.error(
          { model: name, version, reason: state.reason },
          'model version failed to reload; the loaded one serves on',
        );
        return;
      }
      if (state.phase === 'ready' && config) entry.config = config;
      if (existing?.state.phase === 'ready') void this.retire(existing.state.model);
      if (existing) Object.assign(existing, { state, reloadFailure: undefined });
      else entry.versions.push({ version, state, rollout: true });
    });
    entry.versions.sort((a, b) => b.version - a.version);
    this.entries.set(name, entry);
  }

  /** Stops serving one version: new requests no longer reach it, its queued rows finish, then it is disposed. */
  async unloadVersion(name: string, version: number): Promise<void> {
    const entry = this.entries.get(name);
    const at = entry ? entry.versions.findIndex((v) => v.version === version) : -1;
    if (!entry || at < 0) return;
    const [removed] = entry.versions.splice(at, 1);
    if (removed.state.phase === 'ready') await this.retire(removed.state.model);
    (this.options.logger ?? silentLogger).info({ model: name, version }, 'model version unloaded');
  }

  /** Forgets a model, unloading its versions first (see unloadVersion). */
  async removeModel(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    for (const v of [...entry.versions]) await this.unloadVersion(name, v.version);
    this.entries.delete(name);
  }

  /**
   * Disposes a version no longer listed. A request that looked it up just before has its rows in
   * its batcher before the next turn of the event loop (DataLoader dispatches on the microtask
   * queue, the other paths submit at once), so after one turn its close drains every row it got.
   */
  private async retire(model: LoadedModel): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await model.close();
  }

  private async loadModel(entry: ModelEntry): Promise<void> {
    const { logger = silentLogger } = this.options;
    let config: ModelConfig;
    try {
      config = await readModelConfig(this.options, entry.name);
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
        v.state = await loadVersion(this.options, entry.name, v.version, config);
      }),
    );
    // The default is the newest *ready* version: a broken newer one never takes over from a working one.
    const [newest] = entry.versions;
    const serving = entry.versions.find((v) => v.state.phase === 'ready');
    if (newest && serving && newest !== serving) {
      logger.warn(
        { model: entry.name, version: newest.version, defaultVersion: serving.version },
        'newest version did not load; an older ready version serves by default',
      );
    }
  }
}
